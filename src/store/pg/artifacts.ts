// Source-map uploads on PostgreSQL (migration 013): chunks until assembly, bundles and their maps, usage, retention; exact across instances.
import type { ArtifactStore, ArtifactUsage, NewArtifactBundle } from '../types.js';
import { inTransaction, type Client, type Pool } from './pool.js';
import { pgText } from './text.js';

/** Small transactions, so reports and uploads wait a few milliseconds at most behind the cleanup. */
const BUNDLES_PER_CLEANUP_BATCH = 20;
const CHUNKS_PER_CLEANUP_BATCH = 50;
/** "ETRK" and 3: held by the instance cleaning up source maps; the others skip their turn. */
export const ARTIFACT_RETENTION_LOCK = (0x4554524b0003n).toString();

/**
 * Bumps the generation first: its row lock makes every bundle write of the cluster take its turn
 * (two instances assembling one bundle, or a cleanup beside an upload, never deadlock), and the bump
 * commits with the change, so every instance's next look-up sees both together.
 */
async function bumpGeneration(c: Client): Promise<void> {
  await c.query({ name: 'af_bump', text: 'UPDATE artifact_generation SET n = n + 1 WHERE id = 1' });
}

async function saveBundle(c: Client, b: NewArtifactBundle, at: string): Promise<void> {
  await bumpGeneration(c);
  const maps = b.maps.map((m) => ({ ...m, map: pgText(m.map) }));
  const bytes = b.maps.reduce((n, m) => n + Buffer.byteLength(m.map), 0);
  for (const project of [...new Set(b.projects)].sort()) {
    // Another instance may have stored it for this project meanwhile: then nothing of it is stored twice.
    const { rows } = await c.query<{ id: number }>({
      name: 'af_bundle',
      text: `INSERT INTO artifact_bundles (project, checksum, bundle_id, release, dist, files, bytes, uploaded_at)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (project, checksum) DO NOTHING RETURNING id`,
      values: [project, b.checksum, b.bundleId, b.release, b.dist, b.files, bytes, at],
    });
    if (rows.length === 0) continue;
    // One map per statement: a bundle's maps may weigh tens of megabytes together.
    for (const m of maps) {
      await c.query({
        name: 'af_map',
        text: 'INSERT INTO artifact_maps (bundle, project, debug_id, url_path, url, map) VALUES ($1, $2, $3, $4, $5, $6)',
        values: [rows[0]!.id, project, m.debugId, m.urlPath, m.url, m.map],
      });
    }
  }
  await c.query({ name: 'af_use_chunks', text: 'DELETE FROM upload_chunks WHERE checksum = ANY($1::text[])', values: [[...b.chunks].sort()] });
}

export function createPgArtifactStore(pool: Pool, { now = () => new Date() }: { now?: () => Date } = {}): ArtifactStore {
  return {
    async missingChunks(checksums) {
      const wanted = [...new Set(checksums)];
      const { rows } = await pool.query<{ checksum: string }>({ name: 'af_have', text: 'SELECT checksum FROM upload_chunks WHERE checksum = ANY($1::text[])', values: [wanted] });
      const have = new Set(rows.map((r) => r.checksum));
      return wanted.filter((c) => !have.has(c));
    },

    async putChunks(chunks) {
      if (chunks.length === 0) return;
      const at = now().toISOString();
      // In checksum order, so two requests carrying the same chunks never wait on each other crosswise.
      const sorted = [...chunks].sort((x, y) => (x.checksum < y.checksum ? -1 : x.checksum > y.checksum ? 1 : 0));
      const values: unknown[] = [];
      const tuples = sorted.map((c) => `($${values.push(c.checksum)}, $${values.push(c.data)}, $${values.push(at)})`);
      await pool.query(`INSERT INTO upload_chunks (checksum, data, created_at) VALUES ${tuples.join(', ')} ON CONFLICT (checksum) DO NOTHING`, values);
    },

    async readChunks(checksums) {
      // One chunk per query: a 64 MiB bundle never sits in one reply (bytea travels as hex, twice its size).
      const out: Buffer[] = [];
      const read = new Map<string, Buffer>();
      for (const c of checksums) {
        let data = read.get(c);
        if (!data) {
          const { rows } = await pool.query<{ data: Buffer }>({ name: 'af_chunk', text: 'SELECT data FROM upload_chunks WHERE checksum = $1', values: [c] });
          if (!rows[0]) return null;
          data = rows[0].data;
          read.set(c, data);
        }
        out.push(data);
      }
      return out;
    },

    async deleteChunks(checksums) {
      await pool.query({ name: 'af_drop_chunks', text: 'DELETE FROM upload_chunks WHERE checksum = ANY($1::text[])', values: [[...new Set(checksums)].sort()] });
    },

    async projectsWithBundle(checksum, projects) {
      const { rows } = await pool.query<{ project: string }>({
        name: 'af_has_bundle',
        text: 'SELECT project FROM artifact_bundles WHERE checksum = $1 AND project = ANY($2::text[])',
        values: [checksum, projects],
      });
      const have = new Set(rows.map((r) => r.project));
      return projects.filter((p) => have.has(p));
    },

    async saveBundle(bundle) {
      const at = now().toISOString();
      await inTransaction(pool, (c) => saveBundle(c, bundle, at));
    },

    async usage() {
      const { rows } = await pool.query<{ project: string; bundles: number; bytes: number }>({
        name: 'af_usage',
        text: 'SELECT project, count(*)::int AS bundles, coalesce(sum(bytes), 0)::bigint AS bytes FROM artifact_bundles GROUP BY project',
      });
      return new Map<string, ArtifactUsage>(rows.map((r) => [r.project, { bundles: r.bundles, bytes: r.bytes }]));
    },

    cleanupArtifacts: (policy) => cleanupArtifacts(pool, policy),
  };
}

/** One instance at a time (an advisory lock held on a connection of its own); each batch is its own short transaction. */
async function cleanupArtifacts(pool: Pool, { bundlesBefore, keepReleases, chunksBefore, signal }: Parameters<ArtifactStore['cleanupArtifacts']>[0]) {
  const result = { bundlesDeleted: 0, chunksDeleted: 0 };
  const lockHolder = await pool.connect();
  let broken = false;
  try {
    const { rows } = await lockHolder.query<{ got: boolean }>('SELECT pg_try_advisory_lock($1) AS got', [ARTIFACT_RETENTION_LOCK]);
    if (!rows[0]!.got) return result; // another instance is cleaning up now
    try {
      for (;;) {
        if (signal?.aborted) return result;
        const deleted = await pool.query({
          name: 'af_stale_chunks',
          text: 'DELETE FROM upload_chunks WHERE id IN (SELECT id FROM upload_chunks WHERE created_at < $1 ORDER BY created_at LIMIT $2)',
          values: [chunksBefore, CHUNKS_PER_CLEANUP_BATCH],
        });
        if (!deleted.rowCount) break;
        result.chunksDeleted += deleted.rowCount;
      }
      if (bundlesBefore === null) return result;
      const { rows: projects } = await pool.query<{ project: string }>('SELECT DISTINCT project FROM artifact_bundles');
      for (const { project } of projects) {
        for (;;) {
          if (signal?.aborted) return result;
          // A release's bundles rank by the newest of them; a bundle without a release is a release of its own.
          const { rows: expired } = await pool.query<{ id: number }>({
            name: 'af_expired',
            text: `WITH grouped AS (
                SELECT coalesce('r:' || release, 'b:' || id) AS g, max(id) AS newest FROM artifact_bundles WHERE project = $1 GROUP BY 1
              ), ranked AS (
                SELECT g, row_number() OVER (ORDER BY newest DESC) AS rank FROM grouped
              )
              SELECT b.id FROM artifact_bundles b JOIN ranked r ON r.g = coalesce('r:' || b.release, 'b:' || b.id)
              WHERE b.project = $1 AND r.rank > $3 AND b.uploaded_at < $2 ORDER BY b.id LIMIT $4`,
            values: [project, bundlesBefore, keepReleases, BUNDLES_PER_CLEANUP_BATCH],
          });
          if (expired.length === 0) break;
          const deleted = await inTransaction(pool, async (c) => {
            await bumpGeneration(c);
            const { rowCount } = await c.query({ name: 'af_drop_bundles', text: 'DELETE FROM artifact_bundles WHERE id = ANY($1::bigint[])', values: [expired.map((r) => r.id)] });
            return rowCount ?? 0;
          });
          if (deleted === 0) break;
          result.bundlesDeleted += deleted;
        }
      }
      return result;
    } finally {
      await lockHolder.query('SELECT pg_advisory_unlock($1)', [ARTIFACT_RETENTION_LOCK]).catch(() => (broken = true));
    }
  } finally {
    lockHolder.release(broken);
  }
}
