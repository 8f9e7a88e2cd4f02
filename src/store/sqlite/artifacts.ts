// Source-map uploads (migration 012): chunks until assembly, bundles and their maps, disk use, retention.
import type { ArtifactStore, ArtifactUsage } from '../types.js';
import type { Db } from './open-database.js';

/** Small transactions, so a report waits a few milliseconds at most behind the cleanup. */
const BUNDLES_PER_CLEANUP_BATCH = 20;
const CHUNKS_PER_CLEANUP_BATCH = 50;

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

export function createSqliteArtifactStore(db: Db, { now = () => new Date() }: { now?: () => Date } = {}): ArtifactStore {
  const stmt = {
    hasChunk: db.prepare<[string], { n: number }>('SELECT 1 AS n FROM upload_chunks WHERE checksum = ?'),
    putChunk: db.prepare<[string, Buffer, string]>('INSERT INTO upload_chunks (checksum, data, created_at) VALUES (?, ?, ?) ON CONFLICT (checksum) DO NOTHING'),
    readChunk: db.prepare<[string], { data: Buffer }>('SELECT data FROM upload_chunks WHERE checksum = ?'),
    deleteChunk: db.prepare<[string]>('DELETE FROM upload_chunks WHERE checksum = ?'),
    hasBundle: db.prepare<[string, string], { n: number }>('SELECT 1 AS n FROM artifact_bundles WHERE project = ? AND checksum = ?'),
    insertBundle: db.prepare<[string, string, string | null, string | null, string | null, number, number, string], { id: number }>(`
      INSERT INTO artifact_bundles (project, checksum, bundle_id, release, dist, files, bytes, uploaded_at)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`),
    insertMap: db.prepare<[number, string, string | null, string | null, string | null, string]>(
      'INSERT INTO artifact_maps (bundle, project, debug_id, url_path, url, map) VALUES (?, ?, ?, ?, ?, ?)',
    ),
    bump: db.prepare('UPDATE artifact_generation SET n = n + 1 WHERE id = 1'),
    usage: db.prepare<[], { project: string; bundles: number; bytes: number }>(
      'SELECT project, count(*) AS bundles, coalesce(sum(bytes), 0) AS bytes FROM artifact_bundles GROUP BY project',
    ),
    projects: db.prepare<[], { project: string }>('SELECT DISTINCT project FROM artifact_bundles'),
    // A release's bundles rank by the newest of them; a bundle without a release is a release of its own.
    expired: db.prepare<{ project: string; before: string; keep: number; limit: number }, { id: number }>(`
      WITH grouped AS (
        SELECT coalesce('r:' || release, 'b:' || id) AS g, max(id) AS newest FROM artifact_bundles WHERE project = @project GROUP BY g
      ), ranked AS (
        SELECT g, row_number() OVER (ORDER BY newest DESC) AS rank FROM grouped
      )
      SELECT b.id FROM artifact_bundles b JOIN ranked r ON r.g = coalesce('r:' || b.release, 'b:' || b.id)
      WHERE b.project = @project AND r.rank > @keep AND b.uploaded_at < @before
      ORDER BY b.id LIMIT @limit`),
    deleteBundle: db.prepare<[number]>('DELETE FROM artifact_bundles WHERE id = ?'),
    deleteStaleChunks: db.prepare<[string, number]>(
      'DELETE FROM upload_chunks WHERE id IN (SELECT id FROM upload_chunks WHERE created_at < ? ORDER BY created_at LIMIT ?)',
    ),
  };

  const saveBundle = db.transaction((b: Parameters<ArtifactStore['saveBundle']>[0], at: string) => {
    const bytes = b.maps.reduce((n, m) => n + Buffer.byteLength(m.map), 0);
    for (const project of b.projects) {
      if (stmt.hasBundle.get(project, b.checksum)) continue;
      const { id } = stmt.insertBundle.get(project, b.checksum, b.bundleId, b.release, b.dist, b.files, bytes, at)!;
      for (const m of b.maps) stmt.insertMap.run(id, project, m.debugId, m.urlPath, m.url, m.map);
    }
    for (const c of b.chunks) stmt.deleteChunk.run(c);
    stmt.bump.run();
  });
  const deleteBundles = db.transaction((ids: number[]) => {
    for (const id of ids) stmt.deleteBundle.run(id);
    stmt.bump.run();
  });

  return {
    async missingChunks(checksums) {
      return [...new Set(checksums)].filter((c) => !stmt.hasChunk.get(c));
    },

    async putChunks(chunks) {
      const at = now().toISOString();
      db.transaction(() => {
        for (const c of chunks) stmt.putChunk.run(c.checksum, c.data, at);
      })();
    },

    async readChunks(checksums) {
      const out: Buffer[] = [];
      for (const c of checksums) {
        const row = stmt.readChunk.get(c);
        if (!row) return null;
        out.push(row.data);
      }
      return out;
    },

    async deleteChunks(checksums) {
      db.transaction(() => {
        for (const c of checksums) stmt.deleteChunk.run(c);
      })();
    },

    async projectsWithBundle(checksum, projects) {
      return projects.filter((p) => stmt.hasBundle.get(p, checksum));
    },

    async saveBundle(bundle) {
      saveBundle(bundle, now().toISOString());
    },

    async usage() {
      return new Map<string, ArtifactUsage>(stmt.usage.all().map((r) => [r.project, { bundles: r.bundles, bytes: r.bytes }]));
    },

    async cleanupArtifacts({ bundlesBefore, keepReleases, chunksBefore, signal }) {
      const result = { bundlesDeleted: 0, chunksDeleted: 0 };
      for (;;) {
        if (signal?.aborted) return result;
        const { changes } = stmt.deleteStaleChunks.run(chunksBefore, CHUNKS_PER_CLEANUP_BATCH);
        if (changes === 0) break;
        result.chunksDeleted += changes;
        await nextTurn();
      }
      if (bundlesBefore === null) return result;
      for (const { project } of stmt.projects.all()) {
        for (;;) {
          if (signal?.aborted) return result;
          const ids = stmt.expired.all({ project, before: bundlesBefore, keep: keepReleases, limit: BUNDLES_PER_CLEANUP_BATCH }).map((r) => r.id);
          if (ids.length === 0) break;
          deleteBundles(ids);
          result.bundlesDeleted += ids.length;
          await nextTurn();
        }
      }
      return result;
    },
  };
}
