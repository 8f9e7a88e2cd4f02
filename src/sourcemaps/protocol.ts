// Messages between the mapping worker (map-worker.ts) and its client (worker-client.ts).

/** A position in a minified file as a stack trace gives it: 1-based line and column. */
export interface GeneratedPosition {
  line: number;
  column: number;
}

/** Lines of the original source around a mapped line, when the map carries sourcesContent. */
export interface SourceContext {
  pre: string[];
  line: string;
  post: string[];
}

/** Where a position came from in the original source; line and column 1-based. */
export interface OriginalPosition {
  /** The map's `sources` entry (after sourceRoot), not yet tidied for display. */
  source: string;
  line: number;
  column: number;
  /** The original identifier at this position (the map's `names`), if any. */
  name: string | null;
  context?: SourceContext;
}

export interface MapRequest {
  id: number;
  cacheKey: string;
  /** The map's JSON text; sent when the client has it in hand, ignored when the worker holds the map. */
  text?: string;
  positions: GeneratedPosition[];
  /** Source lines around each position: for the page, not for grouping (ingest skips them). */
  context: boolean;
}

export type MapResponse =
  | { id: number; kind: 'ok'; results: (OriginalPosition | null)[] }
  /** The worker does not hold this map (never sent, or evicted): send it again with the text. */
  | { id: number; kind: 'need-text' }
  /** The map cannot be used: not JSON, not a source map, or too big for the cache. */
  | { id: number; kind: 'invalid'; reason: 'map_invalid' | 'map_too_large' };

export interface WorkerSettings {
  /** Most memory the parsed maps may hold, estimated (see map-worker.ts). */
  cacheBytes: number;
  /** Lines of source context on each side of a mapped line. */
  contextLines: number;
}

/**
 * Decoded mappings cost about this many bytes per character of the encoded `mappings` string:
 * a segment of 4-5 small integers is an array of ~80 bytes, written in ~5 VLQ characters
 * (measured by test/bench/sourcemap-cost.mjs: see the README's Source maps section).
 */
const DECODED_BYTES_PER_MAPPING_CHAR = 16;

/** The JSON's own strings (sourcesContent, names, sources) stay alive in the parsed map. */
export function estimateBytes(textLength: number, mappingsLength: number): number {
  return textLength + DECODED_BYTES_PER_MAPPING_CHAR * mappingsLength;
}
