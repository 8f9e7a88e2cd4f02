// SourceMapLookup on PostgreSQL (migration 013): one indexed read per lookup, newest upload first; the generation read from the database.
import { urlPath } from '../../sourcemaps/url-path.js';
import type { SourceMapLookup, StoredSourceMap } from '../../sourcemaps/types.js';
import type { Pool } from './pool.js';

interface MapRow {
  id: number;
  debug_id: string | null;
  url: string | null;
  map: string;
}

const DEBUG_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

const toStored = (r: MapRow): StoredSourceMap => ({ cacheKey: `artifact-map:${r.id}`, map: r.map, url: r.url, debugId: r.debug_id });

/**
 * Another instance's upload must drop this instance's cached look-ups, so the generation is read
 * from the database each time it is asked for: a primary-key read of a one-row table. Callers that
 * ask while a read is on its way wait for the next one (sent after they asked, so it sees every
 * upload committed before); all of them share that one read. Under load this is one round trip at
 * a time however many reports want it.
 */
function sharedGenerationReader(read: () => Promise<number>): () => Promise<number> {
  let previous: Promise<unknown> = Promise.resolve();
  let next: Promise<number> | null = null;
  return () => {
    if (next) return next;
    const mine = previous.then(() => {
      next = null;
      const sent = read();
      previous = sent.catch(() => {});
      return sent;
    });
    next = mine;
    return mine;
  };
}

export function createPgSourceMapLookup(pool: Pool): SourceMapLookup {
  const byColumn = async (name: string, column: 'debug_id' | 'url_path', project: string, key: string) => {
    const { rows } = await pool.query<MapRow>({
      name,
      text: `SELECT id, debug_id, url, map FROM artifact_maps WHERE project = $1 AND ${column} = $2 ORDER BY id DESC LIMIT 1`,
      values: [project, key],
    });
    return rows[0] ? toStored(rows[0]) : null;
  };
  return {
    async byDebugId(project, debugId) {
      // SDKs send debug IDs in either case; some with braces or without dashes are not debug IDs of ours.
      const id = debugId.trim().toLowerCase();
      if (!DEBUG_ID.test(id)) return null;
      return byColumn('sm_by_debug_id', 'debug_id', project, id);
    },
    async byUrl(project, url) {
      const path = urlPath(url);
      if (path === null) return null;
      return byColumn('sm_by_url_path', 'url_path', project, path);
    },
    generation: sharedGenerationReader(async () => {
      const { rows } = await pool.query<{ n: number }>({ name: 'sm_generation', text: 'SELECT n FROM artifact_generation WHERE id = 1' });
      return rows[0]?.n ?? 0;
    }),
  };
}
