// A bounded cache of parsed tracebacks: an incident sends the same traceback text thousands of times.
import { parseStack } from './parse.js';
import type { ParsedStack } from './types.js';

export interface StackCacheLimits {
  /** Most tracebacks remembered. */
  maxEntries: number;
  /** Most memory they may hold, estimated (see entryBytes). */
  maxBytes: number;
}

/**
 * Enough for every distinct trace of a busy service, small next to the 150 MB target. Bounded in
 * bytes as well as entries: reports may carry tracebacks up to the body limit, and a few thousand
 * 50 KB traces held by count alone would be hundreds of megabytes.
 */
export const DEFAULT_STACK_CACHE_LIMITS: StackCacheLimits = { maxEntries: 2_000, maxBytes: 8 * 1024 * 1024 };

/** Frame objects and their small strings, beyond the text they are cut from. */
const FRAME_BYTES = 200;

/**
 * The key is charged twice (UTF-16 at worst, and the frames' strings are cut from a copy of it when
 * colour codes were stripped), plus each frame's object.
 */
export function entryBytes(traceback: string, stack: ParsedStack): number {
  return 2 * traceback.length + FRAME_BYTES * stack.frames.length;
}

/**
 * parseStack behind a least-recently-used map keyed by the exact traceback text, so the result is
 * the one an uncached parse gives. Results are frozen: every report of an incident shares them.
 * A traceback too big for an eighth of the budget is parsed every time rather than flushing the rest.
 */
export function createStackCache(limits: StackCacheLimits = DEFAULT_STACK_CACHE_LIMITS, parse: (traceback: string) => ParsedStack = parseStack) {
  const entries = new Map<string, { stack: ParsedStack; bytes: number }>();
  let bytes = 0;
  const parseCached = (traceback: string): ParsedStack => {
    const hit = entries.get(traceback);
    if (hit) {
      // Re-inserted so that the map's order is least recently used first.
      entries.delete(traceback);
      entries.set(traceback, hit);
      return hit.stack;
    }
    const stack = freeze(parse(traceback));
    const cost = entryBytes(traceback, stack);
    if (cost > limits.maxBytes / 8 || limits.maxEntries < 1) return stack;
    while (entries.size >= limits.maxEntries || bytes + cost > limits.maxBytes) {
      const [oldestKey, oldest] = entries.entries().next().value!;
      entries.delete(oldestKey);
      bytes -= oldest.bytes;
    }
    entries.set(traceback, { stack, bytes: cost });
    bytes += cost;
    return stack;
  };
  return Object.assign(parseCached, { size: () => entries.size, bytes: () => bytes });
}

function freeze(stack: ParsedStack): ParsedStack {
  for (const frame of stack.frames) Object.freeze(frame);
  Object.freeze(stack.frames);
  return Object.freeze(stack);
}
