// Run as its own process beside an attack: samples /health of the service and of an idle control server,
// and the service's RSS, until stdin closes; then prints a JSON summary.
// Its own process, so the attacker's busy event loop never inflates the latencies it measures; the control
// (a bare HTTP server in this process, never attacked) shows what the shared machine adds at the same moment.
import { readFileSync } from 'node:fs';
import http from 'node:http';

const [url, pid, everyMs = '20'] = process.argv.slice(2);
const TIMEOUT_MS = 5000;
const service = [];
const control = [];
let rssMaxMb = 0;
let failures = 0;
let stopping = false;

const controlServer = http.createServer((_req, res) => res.end('{"status":"ok"}'));
await new Promise((r) => controlServer.listen(0, '127.0.0.1', r));
const controlUrl = `http://127.0.0.1:${controlServer.address().port}`;

function rssMb() {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : 0;
}

/** One /health request on a fresh connection (an attack on connections must not hide behind keep-alive). */
function health(base) {
  return new Promise((resolve) => {
    const started = performance.now();
    const req = http.get(`${base}/health`, { agent: false, timeout: TIMEOUT_MS }, (res) => {
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
  const ms = await health(url);
  if (ms === null) failures += 1;
  service.push(ms ?? TIMEOUT_MS);
  control.push((await health(controlUrl)) ?? TIMEOUT_MS);
  await new Promise((r) => setTimeout(r, Number(everyMs)));
}
controlServer.close();
process.stdout.write(`${JSON.stringify({ failures, rssMaxMb: Math.round(rssMaxMb), service: summary(service), control: summary(control) })}\n`);
