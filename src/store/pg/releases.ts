// Releases and deploys on PostgreSQL (migration 011).
import type { DeployRecord, ReleaseRecord, ReleaseStore } from '../types.js';
import { inTransaction, type Pool } from './pool.js';

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

const RELEASE = 'project, version, created_at, created_by, finalized_at';
const DEPLOY = 'id, project, version, environment, name, url, started_at, finished_at';
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

export function createPgReleaseStore(pool: Pool, { now = () => new Date() }: { now?: () => Date } = {}): ReleaseStore {
  return {
    async recordRelease(input) {
      // An API record replaces an event record's origin and, when given, its time (as in SQLite).
      const { rows } = await pool.query<ReleaseRow>({
        name: 'rl_upsert',
        text: `INSERT INTO releases (project, version, created_at, created_by, finalized_at) VALUES ($1, $2, $3, $4, $5)
          ON CONFLICT (project, version) DO UPDATE SET
            created_at = CASE WHEN excluded.created_by = 'api' AND (releases.created_by = 'event' OR $6) THEN excluded.created_at ELSE releases.created_at END,
            created_by = CASE WHEN excluded.created_by = 'api' THEN 'api' ELSE releases.created_by END,
            finalized_at = coalesce(excluded.finalized_at, releases.finalized_at)
          RETURNING ${RELEASE}`,
        values: [input.project, input.version, input.createdAt ?? now().toISOString(), input.createdBy, input.finalizedAt ?? null, input.createdAt !== undefined],
      });
      return toRelease(rows[0]!);
    },
    async getRelease(project, version) {
      const { rows } = await pool.query<ReleaseRow>({ name: 'rl_get', text: `SELECT ${RELEASE} FROM releases WHERE project = $1 AND version = $2`, values: [project, version] });
      return rows[0] ? toRelease(rows[0]) : null;
    },
    addDeploy(d) {
      return inTransaction(pool, async (c) => {
        await c.query("INSERT INTO releases (project, version, created_at, created_by) VALUES ($1, $2, $3, 'api') ON CONFLICT DO NOTHING", [d.project, d.version, d.startedAt ?? d.finishedAt]);
        const { rows } = await c.query<DeployRow>(
          `INSERT INTO deploys (project, version, environment, name, url, started_at, finished_at) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING ${DEPLOY}`,
          [d.project, d.version, d.environment, d.name, d.url, d.startedAt, d.finishedAt],
        );
        return toDeploy(rows[0]!);
      });
    },
    async listDeploys(project, version) {
      const { rows } = await pool.query<DeployRow>(`SELECT ${DEPLOY} FROM deploys WHERE project = $1 AND version = $2 ORDER BY finished_at, id`, [project, version]);
      return rows.map(toDeploy);
    },
    async listReleaseRecords(project, limit) {
      const { rows } = await pool.query<ReleaseRow>(`SELECT ${RELEASE} FROM releases WHERE project = $1 ORDER BY created_at DESC, version DESC LIMIT $2`, [project, limit]);
      return rows.map(toRelease);
    },
    async findReleases(version) {
      const { rows } = await pool.query<ReleaseRow>({ name: 'rl_by_version', text: `SELECT ${RELEASE} FROM releases WHERE version = $1 ORDER BY project`, values: [version] });
      return rows.map(toRelease);
    },
    async finalizeRelease(project, version, finalizedAt) {
      const { rows } = await pool.query<ReleaseRow>({
        name: 'rl_finalize',
        text: `UPDATE releases SET finalized_at = $1 WHERE project = $2 AND version = $3 RETURNING ${RELEASE}`,
        values: [finalizedAt, project, version],
      });
      return rows[0] ? toRelease(rows[0]) : null;
    },
  };
}
