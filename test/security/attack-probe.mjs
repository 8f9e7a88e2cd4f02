// Run as its own process beside an attack: samples /health latency and the service's RSS until stdin closes, then prints a JSON summary.
// Its own process, so the attacker's busy event loop never inflates the latencies it measures.
import { readFileSync } from 'node:fs';
import http from 'node:http';

const [url, pid, everyMs = '25'] = process.argv.slice(2);
const TIMEOUT_MS = 5000;
const latencies = [];
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

process.stdin.on('data', () => {});
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
  latencies.push(ms ?? TIMEOUT_MS);
  await new Promise((r) => setTimeout(r, Number(everyMs)));
}
latencies.sort((a, b) => a - b);
const p99 = latencies.length ? latencies[Math.ceil(latencies.length * 0.99) - 1] : TIMEOUT_MS;
process.stdout.write(
  `${JSON.stringify({ samples: latencies.length, failures, p99Ms: Math.round(p99), maxMs: Math.round(latencies.at(-1) ?? 0), rssMaxMb: Math.round(rssMaxMb) })}\n`,
);
