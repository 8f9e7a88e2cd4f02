// `npm run bench`: drives the real service over loopback and prints ingest/read throughput, latency, memory and disk.
// Usage: npm run bench [-- --quick] [-- --out FILE]
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { corpus, seedDatabase } from './workload.mjs';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const QUICK = process.argv.includes('--quick');
const outIndex = process.argv.indexOf('--out');
const OUT = outIndex > 0 ? process.argv[outIndex + 1] : join(ROOT, 'bench-results', `bench-${QUICK ? 'quick' : 'full'}.json`);

const PLAN = QUICK
  ? { seconds: 2, readSeconds: 1, groups: 5_000, occurrences: 50_000 }
  : { seconds: 10, readSeconds: 5, groups: 100_000, occurrences: 1_000_000 };
const CONNECTIONS = 50;
const API_KEY = 'bench-operator-key-0123456789abcdef';

async function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });
}

async function startService(databasePath) {
  const port = await freePort();
  const child = spawn(process.execPath, [join(ROOT, 'dist/server.js')], {
    env: { PATH: process.env.PATH, API_KEY, DATABASE_PATH: databasePath, PORT: String(port), HOST: '127.0.0.1', RATE_LIMIT_PER_MINUTE: '0', LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 200; i++) {
    try {
      if ((await fetch(`${url}/health`)).ok) return { child, url };
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  child.kill('SIGKILL');
  throw new Error('the service did not start');
}

async function stopService(service) {
  const exited = new Promise((r) => service.child.on('exit', r));
  service.child.kill('SIGTERM');
  await exited;
}

function rssMb(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)[1]) / 1024;
}

function fileMb(path) {
  let bytes = 0;
  for (const suffix of ['', '-wal']) {
    try {
      bytes += statSync(path + suffix).size;
    } catch {
      // no WAL file
    }
  }
  return bytes / 1024 / 1024;
}

/** One autocannon run; `next` returns the next request ({method, path, headers, body}) or undefined for a fixed one. */
async function load(name, url, { path = '/', method = 'GET', headers = {}, body, next, seconds = PLAN.seconds, connections = CONNECTIONS }) {
  process.stderr.write(`  ${name} ...\n`);
  const result = await autocannon({
    url: url + path,
    method,
    headers,
    body,
    connections,
    duration: seconds,
    requests: next ? [{ setupRequest: (req) => ({ ...req, ...next() }) }] : undefined,
  });
  const ok = result['2xx'];
  return {
    name,
    requestsPerSecond: Math.round(ok / seconds),
    p50: result.latency.p50,
    p99: result.latency.p99,
    non2xx: result.non2xx + result.errors + result.timeouts,
    total: result.requests.total,
  };
}

async function main() {
  const dir = mkdtempSync(join(tmpdir(), 'et-bench-'));
  const results = { machine: { cpus: cpus().length, model: cpus()[0]?.model, node: process.version }, quick: QUICK, plan: PLAN, runs: [] };
  const ingestHeaders = { 'content-type': 'application/json', 'x-api-key': API_KEY };
  try {
    // --- write side: an empty database, the service as users run it --------------------------
    const writeDb = join(dir, 'write.db');
    let service = await startService(writeDb);
    const work = corpus();
    results.runs.push(await load('GET /health', service.url, { path: '/health' }));
    results.runs.push(await load('POST /api/errors 2-4 KB', service.url, { method: 'POST', headers: ingestHeaders, next: () => ({ path: '/api/errors', body: work.smallReport() }) }));
    results.runs.push(await load('POST /api/errors 50 KB', service.url, { method: 'POST', headers: ingestHeaders, next: () => ({ path: '/api/errors', body: work.largeReport() }) }));
    const envelopeProbe = await fetch(`${service.url}/api/1/envelope/`, { method: 'POST', body: '' });
    if (envelopeProbe.status !== 404) {
      const { dsnKey, projectId } = await work.sentryProject(service.url, API_KEY);
      results.runs.push(
        await load('POST envelope (@sentry/node shape)', service.url, {
          method: 'POST',
          headers: { 'content-type': 'application/x-sentry-envelope' },
          next: () => ({ path: `/api/${projectId}/envelope/?sentry_key=${dsnKey}`, body: work.envelope() }),
        }),
      );
    }
    results.afterWrites = { rssMb: rssMb(service.child.pid), databaseMb: fileMb(writeDb) };
    await stopService(service);

    // --- read side: 100,000 groups and 1,000,000 occurrences seeded through the store ------------
    const readDb = join(dir, 'read.db');
    const seeded = await seedDatabase(readDb, PLAN.groups, PLAN.occurrences);
    service = await startService(readDb);
    const auth = { 'x-api-key': API_KEY };
    const reads = [
      ['GET /api/errors', '/api/errors'],
      ['GET /api/errors?project=', `/api/errors?project=${seeded.aProject}`],
      ['GET /api/errors?resolved=true', '/api/errors?resolved=true'],
      ['GET /api/errors?source=browser', '/api/errors?source=browser'],
      ['GET /api/errors?project=&resolved=false', `/api/errors?project=${seeded.aProject}&resolved=false`],
      ['GET /api/errors?search=', `/api/errors?search=${encodeURIComponent(seeded.aSearch)}`],
    ];
    for (const [name, path] of reads) results.runs.push(await load(name, service.url, { path, headers: auth, seconds: PLAN.readSeconds, connections: 10 }));
    results.runs.push(
      await load('GET /api/errors/:id', service.url, {
        headers: auth,
        seconds: PLAN.readSeconds,
        connections: 10,
        next: () => ({ path: `/api/errors/${1 + Math.floor(Math.random() * seeded.groups)}` }),
      }),
    );
    results.afterReads = { rssMb: rssMb(service.child.pid), databaseMb: fileMb(readDb), groups: seeded.groups, occurrencesReported: seeded.occurrences, seedSeconds: seeded.seconds };
    await stopService(service);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }

  const byName = Object.fromEntries(results.runs.map((r) => [r.name, r]));
  results.ingestRatio = +(byName['POST /api/errors 2-4 KB'].requestsPerSecond / byName['GET /health'].requestsPerSecond).toFixed(3);

  console.log(`\n${QUICK ? 'QUICK (smoke) ' : ''}benchmark, ${results.machine.cpus} x ${results.machine.model}, Node ${results.machine.node}\n`);
  console.table(results.runs.map((r) => ({ run: r.name, 'req/s': r.requestsPerSecond, 'p50 ms': r.p50, 'p99 ms': r.p99, 'non-2xx': r.non2xx })));
  console.log(`ingest ratio (2-4 KB ingest req/s / health req/s): ${results.ingestRatio}`);
  console.log(`after writes: RSS ${results.afterWrites.rssMb.toFixed(0)} MB, database ${results.afterWrites.databaseMb.toFixed(1)} MB`);
  console.log(
    `after reads: RSS ${results.afterReads.rssMb.toFixed(0)} MB, database ${results.afterReads.databaseMb.toFixed(1)} MB for ${results.afterReads.groups} groups / ${results.afterReads.occurrencesReported} reports (seeded in ${results.afterReads.seedSeconds.toFixed(1)} s)`,
  );
  mkdirSync(join(OUT, '..'), { recursive: true });
  writeFileSync(OUT, `${JSON.stringify(results, null, 2)}\n`);
  console.log(`results: ${OUT}`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
