// The parsed-map cache: bounded in bytes (evicted maps are fetched again), too-large maps refused, look-ups remembered until an upload.
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { estimateBytes } from '../../src/sourcemaps/protocol.js';
import { createSymbolicator, type Symbolicator } from '../../src/sourcemaps/symbolicator.js';
import { createWorkerClient } from '../../src/sourcemaps/worker-client.js';
import type { Frame } from '../../src/ingest/stack/types.js';
import { buildApp, ERRORS, type Bundle } from './fixture-app.js';
import { memoryLookup, type MemoryLookup } from './memory-lookup.js';
import { parseStack } from '../../src/ingest/stack/parse.js';
import { v8Trace } from './fixture-app.js';

let one: Bundle;
let two: Bundle;
let three: Bundle;
beforeAll(async () => {
  [one, two, three] = await Promise.all([buildApp(), buildApp({ version: 'another release' }), buildApp({ version: 'a third one' })]);
});

let symbolicator: Symbolicator | undefined;
afterEach(() => symbolicator?.close());

const url = (b: Bundle) => `https://cdn.example.com/assets/${b.file}`;
const framesOf = (b: Bundle): Frame[] => parseStack(v8Trace(b, url(b), 'addBrokenItem').stack).frames;
const mapBytes = (b: Bundle) => estimateBytes(b.map.length, JSON.parse(b.map).mappings.length);

function setUp(cacheBytes: number, timeoutMs = 20_000): MemoryLookup {
  const lookup = memoryLookup();
  lookup.add('web', one.map, { url: `~/assets/${one.file}` });
  lookup.add('web', two.map, { url: `~/assets/${two.file}` });
  lookup.add('web', three.map, { url: `~/assets/${three.file}` });
  symbolicator = createSymbolicator({ lookup, worker: createWorkerClient({ cacheBytes, contextLines: 2, timeoutMs }) });
  return lookup;
}

const crashOf = async (b: Bundle) => (await symbolicator!.mapFrames('web', framesOf(b)))[0];

describe('the parsed-map cache', () => {
  it('holds what fits: a mapped file is not looked up again until an upload', async () => {
    const lookup = setUp(10 * 1024 * 1024);
    expect(await crashOf(one)).toMatchObject({ status: 'mapped', original: { source: '../src/cart.js', line: ERRORS.addBrokenItem.line } });
    const calls = lookup.calls.length;
    await crashOf(one);
    await crashOf(one);
    expect(lookup.calls.length).toBe(calls);
    lookup.add('web', one.map, { url: '~/assets/unrelated.js' });
    await crashOf(one);
    // Both files of the trace (the bundle, and the page's script that has no map) are looked up anew.
    expect(lookup.calls.slice(calls).sort()).toEqual([`byUrl:${url(one)}`, 'byUrl:https://cdn.example.com/page.html']);
  });

  it('evicts by bytes: with room for two maps, three used in turn are all mapped, each fetched again with its text', async () => {
    const sizes = [one, two, three].map(mapBytes);
    // Twice the largest (a map over half the cache is refused), less than all three together.
    const cacheBytes = 2 * Math.max(...sizes);
    expect(sizes.reduce((a, b) => a + b)).toBeGreaterThan(cacheBytes);
    const lookup = setUp(cacheBytes);
    for (let round = 0; round < 3; round++) {
      for (const b of [one, two, three]) expect((await crashOf(b))?.status).toBe('mapped');
    }
    // Remembered which map the file has, the client sent no text; the worker had evicted it and asked again.
    expect(lookup.calls.filter((c) => c === `byUrl:${url(one)}`).length).toBeGreaterThan(1);
  });

  it('refuses a map larger than half the cache, once, and says so', async () => {
    setUp(Math.floor(mapBytes(one) / 2));
    expect(await crashOf(one)).toEqual({ status: 'unmapped', reason: 'map_too_large' });
  });

  it('a closed worker answers unavailable, never hangs a report', async () => {
    setUp(10 * 1024 * 1024);
    await symbolicator!.close();
    expect(await crashOf(one)).toEqual({ status: 'unmapped', reason: 'unavailable' });
  });
});
