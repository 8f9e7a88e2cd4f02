// The parsed-traceback cache: the same results as an uncached parse, and bounded in entries and bytes.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createStackCache, entryBytes } from '../../src/ingest/stack/cache.js';
import { parseStack } from '../../src/ingest/stack/parse.js';
import type { ParsedStack } from '../../src/ingest/stack/types.js';

const traces: string[] = readFileSync(new URL('../fixtures/traces.jsonl', import.meta.url), 'utf8')
  .split('\n')
  .filter((line) => line.trim() !== '')
  .map((line) => (JSON.parse(line) as { traceback: string }).traceback);

/** parseStack that counts its calls, to tell hits from misses. */
function countingParse() {
  const calls: string[] = [];
  const parse = (traceback: string): ParsedStack => {
    calls.push(traceback);
    return parseStack(traceback);
  };
  return { parse, calls };
}

/** A Node trace of about `frames` frames, distinct per `n`. */
const nodeTrace = (n: number, frames = 3) =>
  [`Error: boom ${n}`, ...Array.from({ length: frames }, (_, i) => `    at f${i} (/srv/app/src/file-${n}.js:${i + 1}:5)`)].join('\n');

describe('createStackCache', () => {
  it('gives what parseStack gives, on a miss and on a hit, for every real trace', () => {
    const { parse, calls } = countingParse();
    const cached = createStackCache(undefined, parse);
    for (const traceback of traces) {
      const first = cached(traceback);
      expect(first).toEqual(parseStack(traceback));
      expect(cached(traceback)).toBe(first);
    }
    expect(calls.length).toBe(new Set(traces).size);
  });

  it('keys by the exact text: a one-character difference is parsed on its own', () => {
    const cached = createStackCache();
    const a = nodeTrace(1);
    const b = a.replace(':1:5', ':2:5');
    expect(cached(a).frames[0]!.line).toBe(1);
    expect(cached(b).frames[0]!.line).toBe(2);
    expect(cached(a)).toEqual(parseStack(a));
  });

  it('hands out frozen results, so one report cannot change what the next one gets', () => {
    const stack = createStackCache()(nodeTrace(1));
    expect(() => {
      (stack.frames[0] as { file: string }).file = 'elsewhere.js';
    }).toThrow(TypeError);
    expect(() => (stack.frames as unknown[]).push({})).toThrow(TypeError);
  });

  it('keeps at most maxEntries, dropping the least recently used', () => {
    const { parse, calls } = countingParse();
    const cached = createStackCache({ maxEntries: 3, maxBytes: 1e9 }, parse);
    for (let n = 0; n < 10; n++) cached(nodeTrace(n));
    expect(cached.size()).toBe(3);
    cached(nodeTrace(7)); // now the most recent
    cached(nodeTrace(10)); // evicts 8, the least recently used
    calls.length = 0;
    cached(nodeTrace(7));
    cached(nodeTrace(9));
    cached(nodeTrace(10));
    expect(calls).toEqual([]);
    cached(nodeTrace(8));
    expect(calls).toEqual([nodeTrace(8)]);
    expect(cached.size()).toBe(3);
  });

  it('keeps at most maxBytes, however few the entries', () => {
    const maxBytes = 2_000_000;
    const cached = createStackCache({ maxEntries: 10_000, maxBytes });
    const big = Array.from({ length: 60 }, (_, n) => nodeTrace(n, 500)); // ~25 KB each
    expect(entryBytes(big[0]!, parseStack(big[0]!))).toBeGreaterThan(100_000);
    for (const traceback of big) {
      cached(traceback);
      expect(cached.bytes()).toBeLessThanOrEqual(maxBytes);
    }
    expect(cached.size()).toBeLessThan(20);
    expect(cached.bytes()).toBe(big.slice(-cached.size()).reduce((sum, t) => sum + entryBytes(t, parseStack(t)), 0));
  });

  it('does not keep a traceback bigger than an eighth of the budget, and still parses it', () => {
    const { parse, calls } = countingParse();
    const cached = createStackCache({ maxEntries: 100, maxBytes: 100_000 }, parse);
    cached(nodeTrace(1));
    const huge = nodeTrace(2, 200); // ~9 KB: more than 12.5 KB once charged
    expect(cached(huge)).toEqual(parseStack(huge));
    cached(huge);
    expect(calls.filter((t) => t === huge)).toHaveLength(2);
    expect(cached.size()).toBe(1);
  });
});
