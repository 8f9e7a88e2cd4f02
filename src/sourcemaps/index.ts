// Source maps at ingest and on read: the symbolicator over an artifact store, its worker and cache (what app.ts builds).
import type { Logger } from '../logger.js';
import { createSymbolicator, type Symbolicator } from './symbolicator.js';
import type { SourceMapLookup } from './types.js';
import { createWorkerClient } from './worker-client.js';

export { createMapStep, type MapReport } from './ingest-step.js';
export type { Symbolicator } from './symbolicator.js';

/** Lines of original source shown on each side of a mapped line. */
const CONTEXT_LINES = 5;
/**
 * A report waits at most this long for its maps (a cold 10 MB map parses in well under a second on
 * an idle machine); past it the report is grouped unmapped, never lost.
 */
const MAPPING_TIMEOUT_MS = 10_000;

export function createSourceMaps(lookup: SourceMapLookup, cacheBytes: number, logger: Logger): Symbolicator {
  const onError = (err: Error) => logger.warn({ err }, 'source map mapping failed; frames stay as sent');
  const worker = createWorkerClient({ cacheBytes, contextLines: CONTEXT_LINES, timeoutMs: MAPPING_TIMEOUT_MS, onError });
  return createSymbolicator({ lookup, worker, onError });
}
