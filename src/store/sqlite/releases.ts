// Releases and deploys (migration 011): what the release API and events say about a project's releases.
import type { DeployRecord, ReleaseRecord, ReleaseStore } from '../types.js';
import type { Db } from './open-database.js';

interface ReleaseRow {
  project: string;
  version: string;
  created_at: string;
  created_by: 'api' | 'event';
  finalized_at: string | null;
}

interface DeployRow {
  id: number;
  project: string;
  version: string;
  environment: string;
  name: string | null;
  url: string | null;
  started_at: string | null;
  finished_at: string;
}

const toRelease = (r: ReleaseRow): ReleaseRecord => ({ project: r.project, version: r.version, createdAt: r.created_at, createdBy: r.created_by, finalizedAt: r.finalized_at });
const toDeploy = (r: DeployRow): DeployRecord => ({
  id: r.id,
  project: r.project,
  version: r.version,
  environment: r.environment,
  name: r.name,
  url: r.url,
  startedAt: r.started_at,
  finishedAt: r.finished_at,
});

export function createSqliteReleaseStore(db: Db, { now = () => new Date() }: { now?: () => Date } = {}): ReleaseStore {
  const stmt = {
    // An API record replaces an event record's origin and, when given, its time: the release API
    // knows when the release was made, an event only when it was first seen.
    upsert: db.prepare<{ project: string; version: string; createdAt: string; createdBy: string; explicitTime: number; finalizedAt: string | null }, ReleaseRow>(`
      INSERT INTO releases (project, version, created_at, created_by, finalized_at)
      VALUES (@project, @version, @createdAt, @createdBy, @finalizedAt)
      ON CONFLICT (project, version) DO UPDATE SET
        created_at = CASE WHEN excluded.created_by = 'api' AND (releases.created_by = 'event' OR @explicitTime) THEN excluded.created_at ELSE releases.created_at END,
        created_by = CASE WHEN excluded.created_by = 'api' THEN 'api' ELSE releases.created_by END,
        finalized_at = coalesce(excluded.finalized_at, releases.finalized_at)
      RETURNING project, version, created_at, created_by, finalized_at`),
    ensure: db.prepare<[string, string, string]>("INSERT INTO releases (project, version, created_at, created_by) VALUES (?, ?, ?, 'api') ON CONFLICT DO NOTHING"),
    get: db.prepare<[string, string], ReleaseRow>('SELECT project, version, created_at, created_by, finalized_at FROM releases WHERE project = ? AND version = ?'),
    newest: db.prepare<[string, number], ReleaseRow>('SELECT project, version, created_at, created_by, finalized_at FROM releases WHERE project = ? ORDER BY created_at DESC, version DESC LIMIT ?'),
    addDeploy: db.prepare<[string, string, string, string | null, string | null, string | null, string], DeployRow>(`
      INSERT INTO deploys (project, version, environment, name, url, started_at, finished_at) VALUES (?, ?, ?, ?, ?, ?, ?)
      RETURNING id, project, version, environment, name, url, started_at, finished_at`),
    byVersion: db.prepare<[string], ReleaseRow>('SELECT project, version, created_at, created_by, finalized_at FROM releases WHERE version = ? ORDER BY project'),
    finalize: db.prepare<[string, string, string], ReleaseRow>(
      'UPDATE releases SET finalized_at = ? WHERE project = ? AND version = ? RETURNING project, version, created_at, created_by, finalized_at',
    ),
    deploys: db.prepare<[string, string], DeployRow>('SELECT id, project, version, environment, name, url, started_at, finished_at FROM deploys WHERE project = ? AND version = ? ORDER BY finished_at, id'),
  };

  const record = (input: Parameters<ReleaseStore['recordRelease']>[0]): ReleaseRecord =>
    toRelease(
      stmt.upsert.get({
        project: input.project,
        version: input.version,
        createdAt: input.createdAt ?? now().toISOString(),
        createdBy: input.createdBy,
        explicitTime: input.createdAt === undefined ? 0 : 1,
        finalizedAt: input.finalizedAt ?? null,
      })!,
    );
  const addDeploy = db.transaction((d: Omit<DeployRecord, 'id'>): DeployRecord => {
    // A deploy of a release nobody created makes it; one that exists keeps its own time and origin.
    stmt.ensure.run(d.project, d.version, d.startedAt ?? d.finishedAt);
    return toDeploy(stmt.addDeploy.get(d.project, d.version, d.environment, d.name, d.url, d.startedAt, d.finishedAt)!);
  });

  return {
    async recordRelease(input) {
      return record(input);
    },
    async getRelease(project, version) {
      const row = stmt.get.get(project, version);
      return row ? toRelease(row) : null;
    },
    async addDeploy(input) {
      return addDeploy(input);
    },
    async listDeploys(project, version) {
      return stmt.deploys.all(project, version).map(toDeploy);
    },
    async listReleaseRecords(project, limit) {
      return stmt.newest.all(project, limit).map(toRelease);
    },
    async findReleases(version) {
      return stmt.byVersion.all(version).map(toRelease);
    },
    async finalizeRelease(project, version, finalizedAt) {
      const row = stmt.finalize.get(finalizedAt, project, version);
      return row ? toRelease(row) : null;
    },
  };
}
