// The live feed's own CPU cost, outside HTTP load: per committed report (the listener) and per message to 20 open streams.
// Usage: npm run build && node test/bench/live-micro.mjs [--streams 20] [--groups 200]
// CPU time, not wall time: a busy shared machine stretches the second far more than the first.
import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import { fileURLToPath } from 'node:url';
import { corpus } from './workload.mjs';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return Number(i > 0 ? process.argv[i + 1] : fallback);
};
const STREAMS = arg('streams', 20);
/** Groups per message: the corpus's ingest touches 1,000 groups, so a busy interval carries the cap (200). */
const GROUPS = arg('groups', 200);

const { createLive } = await import(`${ROOT}dist/live/index.js`);
const { prepareReport } = await import(`${ROOT}dist/ingest/pipeline.js`);
const { keyMatcher } = await import(`${ROOT}dist/ingest/scrub.js`);
const { createLogger } = await import(`${ROOT}dist/logger.js`);

const work = corpus();
const isSecret = keyMatcher();
const reports = Array.from({ length: 1000 }, () => prepareReport(JSON.parse(work.smallReport()), { isSecret, now: new Date() }));
const ids = new Map();
const counts = new Map();
const results = reports.map((r) => {
  if (!ids.has(r.fingerprint)) ids.set(r.fingerprint, ids.size + 1);
  const id = ids.get(r.fingerprint);
  counts.set(id, (counts.get(id) ?? 0) + 1);
  return { id, fingerprint: r.fingerprint, count: counts.get(id), created: false, regression: false };
});

const live = createLive({ operatorKey: 'x'.repeat(32), maxClients: 10_000, tokenSeconds: 60, heartbeatSeconds: 600, logger: createLogger('error'), now: () => new Date() });
const server = createServer((req, res) => live.streams.open('127.0.0.1', res, undefined));
await new Promise((r) => server.listen(0, '127.0.0.1', r));
const url = `http://127.0.0.1:${server.address().port}/`;
// The readers in a child process, so their CPU is not counted here.
const readers = spawn(process.execPath, ['-e', `
  const http = require('node:http'); let open = 0;
  for (let i = 0; i < ${STREAMS}; i++) http.get(${JSON.stringify(url)}, (res) => { res.resume(); if (++open === ${STREAMS}) console.log('ready'); });
`], { stdio: ['ignore', 'pipe', 'inherit'] });
await new Promise((r) => readers.stdout.once('data', r));

const cpuMicros = (f) => {
  const before = process.cpuUsage();
  f();
  const used = process.cpuUsage(before);
  return used.user + used.system;
};

// 1. The listener on the ingest path: one map update per report (no flush inside the loop: the timer cannot fire).
const N = 1_000_000;
for (let i = 0; i < 100_000; i++) live.onIngested(results[i % 1000], reports[i % 1000]);
const noteMicros = cpuMicros(() => {
  for (let i = 0; i < N; i++) live.onIngested(results[i % 1000], reports[i % 1000]);
});

// 2. A message of GROUPS groups: built, encoded once, written to every stream (and the ring).
const ROUNDS = 200;
const flushOnce = () => {
  for (let i = 0; i < GROUPS; i++) live.onIngested(results[i * 5 % 1000], reports[i * 5 % 1000]);
};
let flushMicros = 0;
live.flush();
for (let round = 0; round < ROUNDS; round++) {
  flushOnce();
  // Let the writes reach the sockets between messages, as the 250 ms interval does.
  await new Promise((r) => setTimeout(r, 5));
  flushMicros += cpuMicros(() => live.flush());
}
console.log(`listener: ${((noteMicros * 1000) / N).toFixed(0)} ns CPU per committed report`);
console.log(`a message of ${GROUPS} groups to ${STREAMS} streams: ${(flushMicros / ROUNDS).toFixed(0)} µs CPU; at 4 a second, ${((4 * flushMicros) / ROUNDS / 10_000).toFixed(2)}% of one core`);
readers.kill();
await live.close();
server.close();
