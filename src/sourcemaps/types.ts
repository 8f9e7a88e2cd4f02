// The contract between the artifact store (what sentry-cli uploads) and mapping at ingest (what frames are mapped with).

/** One source map from an uploaded artifact bundle, as mapping needs it. */
export interface StoredSourceMap {
  /** Changes whenever the map found for a lookup would change (a new upload): the parsed-map cache keys on it. */
  cacheKey: string;
  /** The map's JSON text. */
  map: string;
  /** The minified file's URL as the bundle's manifest names it ('~/assets/app.min.js'). */
  url: string | null;
  debugId: string | null;
}

/** Finds the map of a minified file among a project's uploaded bundles; newest upload wins. */
export interface SourceMapLookup {
  /** By the debug ID an event's debug_meta.images names (lowercase UUID with dashes). */
  byDebugId(project: string, debugId: string): Promise<StoredSourceMap | null>;
  /**
   * By the minified file's URL as a frame names it ('https://cdn.example.com/assets/app.min.js?v=3'):
   * matched on its path against the manifest's '~/path' (scheme, host, query and fragment ignored).
   */
  byUrl(project: string, url: string): Promise<StoredSourceMap | null>;
  /**
   * Bumped on every upload and deletion, so callers can tell a cached answer is stale. Never goes
   * down. SQLite answers at once; PostgreSQL reads it from the database (other instances upload too).
   */
  generation(): number | Promise<number>;
}
