// Run as its own process beside an attack: samples /health latency and the service's RSS, in two phases
// (before the attack, then during it, switched by a line on stdin), and prints a JSON summary when stdin closes.
// Its own process, so the attacker's busy event loop never inflates the latencies it measures.
import { readFileSync } from 'node:fs';
import http from 'node:http';

const [url, pid, everyMs = '20'] = process.argv.slice(2);
const TIMEOUT_MS = 5000;
const phases = { baseline: [], attack: [] };
let phase = 'baseline';
let rssMaxMb = 0;
let failures = 0;
let stopping = false;

function rssMb() {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : 0;
}

/** One /health request on a fresh connection (an attack on connections must not hide behind keep-alive). */
function health() {
  return new Promise((resolve) => {
    const started = performance.now();
    const req = http.get(`${url}/health`, { agent: false, timeout: TIMEOUT_MS }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode === 200 ? performance.now() - started : null));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', () => resolve(null));
  });
}

function summary(latencies) {
  const sorted = [...latencies].sort((a, b) => a - b);
  const p99 = sorted.length ? sorted[Math.ceil(sorted.length * 0.99) - 1] : TIMEOUT_MS;
  return { samples: sorted.length, p99Ms: Math.round(p99), maxMs: Math.round(sorted.at(-1) ?? 0) };
}

process.stdin.on('data', () => {
  phase = 'attack';
});
process.stdin.on('end', () => {
  stopping = true;
});

while (!stopping) {
  try {
    rssMaxMb = Math.max(rssMaxMb, rssMb());
  } catch {
    break; // the service is gone
  }
  const ms = await health();
  if (ms === null) failures += 1;
  phases[phase].push(ms ?? TIMEOUT_MS);
  await new Promise((r) => setTimeout(r, Number(everyMs)));
}
process.stdout.write(`${JSON.stringify({ failures, rssMaxMb: Math.round(rssMaxMb), baseline: summary(phases.baseline), attack: summary(phases.attack) })}\n`);
