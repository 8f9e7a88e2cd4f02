// What a cold 10 MB source map costs: the report that waits for it, and the event loop (which must not wait); then a warm mapping.
// Run: npm run build && node --expose-gc test/bench/sourcemap-cost.mjs [modules]   (700 modules make a map of about 10 MB)
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { createSymbolicator } from '../../dist/sourcemaps/symbolicator.js';
import { createWorkerClient } from '../../dist/sourcemaps/worker-client.js';
import { buildFixture } from './sourcemap-fixture.mjs';

const modules = Number(process.argv[2] ?? 700);
const fixture = await buildFixture({ modules, functionsPerModule: 40 });
const url = `https://cdn.example.com/assets/${fixture.file}`;
const throwAt = fixture.code.lastIndexOf('throw ');
const at = fixture.positionOf('throw ', throwAt);
const frames = [{ file: url, line: at.line, column: at.column, function: 'x', inApp: true }];
console.log(`map: ${(fixture.map.length / 1e6).toFixed(1)} MB, bundle ${(fixture.code.length / 1e6).toFixed(1)} MB (${modules} modules)`);

// On the main thread for comparison, before the run, its garbage collected so it is not counted below.
let t = performance.now();
JSON.parse(fixture.map);
console.log(`JSON.parse of the map on the main thread: ${(performance.now() - t).toFixed(0)} ms (what the worker spares the event loop)`);
globalThis.gc?.();

let generation = 1;
const lookup = {
  byDebugId: async () => null,
  byUrl: async () => ({ cacheKey: 'bench', map: fixture.map, url: `~/assets/${fixture.file}`, debugId: null }),
  generation: () => generation,
};
const symbolicator = createSymbolicator({ lookup, worker: createWorkerClient({ cacheBytes: 160 * 1024 * 1024, contextLines: 5, timeoutMs: 60_000 }) });

/** The longest gap between 1 ms ticks while `work` runs: how long the event loop could not serve anything. */
async function longestStall(work) {
  let longest = 0;
  let last = performance.now();
  const probe = setInterval(() => {
    const now = performance.now();
    longest = Math.max(longest, now - last);
    last = now;
  }, 1);
  const result = await work();
  clearInterval(probe);
  return { result, longest: Math.max(longest, performance.now() - last) };
}

// The machine's own noise (other processes on the cores): the same probe over an idle second.
const idle = await longestStall(() => new Promise((r) => setTimeout(r, 1000)));
console.log(`idle: the event loop's longest stall ${idle.longest.toFixed(1)} ms (the machine's noise)`);

// The longest the event loop stalled while the cold map was parsed and used.
const delay = monitorEventLoopDelay({ resolution: 1 });
delay.enable();
const rss0 = process.memoryUsage().rss;
t = performance.now();
const { result: [cold], longest } = await longestStall(() => symbolicator.mapFrames('web', frames));
const coldMs = performance.now() - t;
delay.disable();
console.log(`cold: the report waited ${coldMs.toFixed(0)} ms for its map; the event loop's longest stall ${longest.toFixed(1)} ms (p99 delay ${(delay.percentile(99) / 1e6).toFixed(1)} ms)`);
console.log(`mapped to ${cold.original?.source}:${cold.original?.line} (expected module${modules - 1}.js:${fixture.crashLine})`);
console.log(`process RSS grew ${((process.memoryUsage().rss - rss0) / 1e6).toFixed(0)} MB holding the parsed map (the worker's heap)`);

const n = 2000;
t = performance.now();
for (let i = 0; i < n; i++) await symbolicator.mapFrames('web', frames);
console.log(`warm: ${(((performance.now() - t) / n) * 1000).toFixed(0)} µs per report (one frame; resolved on the main thread, mapped in the worker)`);
await symbolicator.close();
