// SourceMapLookup over the uploaded bundles (migration 012): one indexed read per lookup, newest upload first.
import { urlPath } from '../../sourcemaps/url-path.js';
import type { SourceMapLookup, StoredSourceMap } from '../../sourcemaps/types.js';
import type { Db } from './open-database.js';

interface MapRow {
  id: number;
  debug_id: string | null;
  url: string | null;
  map: string;
}

const DEBUG_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

const toStored = (r: MapRow): StoredSourceMap => ({ cacheKey: `artifact-map:${r.id}`, map: r.map, url: r.url, debugId: r.debug_id });

/** The lookup mapping at ingest uses; reads the same database the upload routes write. */
/** On SQLite the generation is read at once: one process (or processes on one file) and a synchronous read. */
export interface SqliteSourceMapLookup extends SourceMapLookup {
  generation(): number;
}

export function createSqliteSourceMapLookup(db: Db): SqliteSourceMapLookup {
  const stmt = {
    byDebugId: db.prepare<[string, string], MapRow>(
      'SELECT id, debug_id, url, map FROM artifact_maps WHERE project = ? AND debug_id = ? ORDER BY id DESC LIMIT 1',
    ),
    byUrlPath: db.prepare<[string, string], MapRow>(
      'SELECT id, debug_id, url, map FROM artifact_maps WHERE project = ? AND url_path = ? ORDER BY id DESC LIMIT 1',
    ),
    generation: db.prepare<[], { n: number }>('SELECT n FROM artifact_generation WHERE id = 1'),
  };
  return {
    async byDebugId(project, debugId) {
      // SDKs send debug IDs in either case; some with braces or without dashes are not debug IDs of ours.
      const id = debugId.trim().toLowerCase();
      if (!DEBUG_ID.test(id)) return null;
      const row = stmt.byDebugId.get(project, id);
      return row ? toStored(row) : null;
    },
    async byUrl(project, url) {
      const path = urlPath(url);
      if (path === null) return null;
      const row = stmt.byUrlPath.get(project, path);
      return row ? toStored(row) : null;
    },
    generation() {
      return stmt.generation.get()?.n ?? 0;
    },
  };
}
