// The bench's PostgreSQL runs (issue 20, `--store postgres`): the same ingest on SQLite, on one instance and on two instances on PostgreSQL; CPU of the services and of postgres, and where the time goes.
import { join } from 'node:path';
import autocannon from 'autocannon';
import pg from 'pg';
import { startPgServer } from './pg-server.mjs';

const DATABASE = 'bench';
/** How often pg_stat_activity is sampled during a measured run. */
const SAMPLE_MS = 50;

/** CPU seconds of each pid that still exists (a backend may end during a run). */
function cpuOf(pids, cpuSeconds) {
  const out = new Map();
  for (const pid of pids) {
    try {
      out.set(pid, cpuSeconds(pid));
    } catch {
      // gone
    }
  }
  return out;
}

/**
 * One measured run spread over `services` (the connections shared out), like bench.mjs's load():
 * a drawn sequence of requests per autocannon instance, the services' CPU, and with `pgServer` the
 * CPU of every postgres process, its statement counts (pg_stat_statements) and what its backends
 * were doing (pg_stat_activity, sampled).
 */
async function loadAcross(name, services, { next, headers, seconds, connections, sequenceLength, warmupSeconds, cpuSeconds, pgServer, sampler }) {
  const per = Math.max(1, Math.round(connections / services.length));
  const run = (duration) =>
    Promise.all(
      services.map((s) =>
        autocannon({
          url: `${s.url}/api/errors`,
          method: 'POST',
          headers,
          connections: per,
          duration,
          requests: Array.from({ length: sequenceLength }, () => ({ method: 'POST', headers, ...next() })),
        }),
      ),
    );
  process.stderr.write(`  ${name} ...\n`);
  if (warmupSeconds > 0) await run(warmupSeconds);
  if (pgServer) pgServer.psql('SELECT pg_stat_statements_reset()', DATABASE);
  const conflicts = () => (pgServer ? pgServer.psql(`SELECT deadlocks, xact_rollback FROM pg_stat_database WHERE datname = '${DATABASE}'`).trim().split('|').map(Number) : [0, 0]);
  const conflictsBefore = conflicts();
  const serviceBefore = services.map((s) => cpuSeconds(s.child.pid));
  const pgBefore = pgServer ? cpuOf(pgServer.pids(), cpuSeconds) : new Map();
  const states = new Map();
  let samples = 0;
  let sampling = false;
  const timer = sampler
    ? setInterval(async () => {
        // One sample at a time: on a busy machine a query can outlast the interval.
        if (sampling) return;
        sampling = true;
        try {
          const { rows } = await sampler.query(
            `SELECT state, coalesce(wait_event_type || ':' || wait_event, 'on CPU') AS what FROM pg_stat_activity WHERE datname = $1 AND application_name = 'error-tracker'`,
            [DATABASE],
          );
          samples += 1;
          for (const r of rows) {
            const key = r.state === 'active' ? `active, ${r.what}` : r.state;
            states.set(key, (states.get(key) ?? 0) + 1);
          }
        } finally {
          sampling = false;
        }
      }, SAMPLE_MS)
    : undefined;
  const results = await run(seconds);
  clearInterval(timer);
  const total = results.reduce((n, r) => n + r.requests.total, 0);
  const [deadlocks, rollbacks] = conflicts().map((n, i) => n - conflictsBefore[i]);
  const serviceCpu = services.reduce((n, s, i) => n + cpuSeconds(s.child.pid) - serviceBefore[i], 0);
  let pgCpu = 0;
  if (pgServer) for (const [pid, after] of cpuOf(pgServer.pids(), cpuSeconds)) pgCpu += after - (pgBefore.get(pid) ?? 0);
  const micros = (cpu) => Math.round((cpu * 1e6) / Math.max(1, total));
  return {
    name,
    instances: services.length,
    requestsPerSecond: Math.round(results.reduce((n, r) => n + r['2xx'], 0) / seconds),
    // The worst instance's: a client behind the load balancer meets either.
    p50: Math.max(...results.map((r) => r.latency.p50)),
    p99: Math.max(...results.map((r) => r.latency.p99)),
    non2xx: results.reduce((n, r) => n + r.non2xx + r.errors + r.timeouts, 0),
    // What the non-2xx were: statuses, connection errors, autocannon's 10 s timeouts.
    failures: { statuses: results.reduce((n, r) => n + r.non2xx, 0), errors: results.reduce((n, r) => n + r.errors - r.timeouts, 0), timeouts: results.reduce((n, r) => n + r.timeouts, 0) },
    total,
    serviceCpuMicros: micros(serviceCpu),
    postgresCpuMicros: pgServer ? micros(pgCpu) : 0,
    where: pgServer ? { ...whereTheTimeGoes(pgServer, total, states, samples), deadlocks, rollbacks } : undefined,
  };
}

/** From pg_stat_statements and the activity samples: transactions, round trips and reports per batch, the costliest statements, what backends waited on. */
function whereTheTimeGoes(pgServer, reports, states, samples) {
  const rows = pgServer
    .psql(`SELECT calls, round(total_exec_time::numeric, 1), regexp_replace(left(query, 70), '\\s+', ' ', 'g') FROM pg_stat_statements WHERE dbid = (SELECT oid FROM pg_database WHERE datname = '${DATABASE}') AND query NOT LIKE '%pg_stat_statements%' ORDER BY total_exec_time DESC`, DATABASE)
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const [calls, ms, ...query] = line.split('|');
      return { calls: Number(calls), ms: Number(ms), query: query.join('|') };
    });
  const calls = (re) => rows.filter((r) => re.test(r.query)).reduce((n, r) => n + r.calls, 0);
  const transactions = calls(/^BEGIN/i);
  const statements = rows.reduce((n, r) => n + r.calls, 0);
  const execMs = rows.reduce((n, r) => n + r.ms, 0);
  const perSample = (n) => +(n / Math.max(1, samples)).toFixed(2);
  return {
    transactions,
    reportsPerTransaction: +(reports / Math.max(1, transactions)).toFixed(1),
    statementsPerTransaction: +(statements / Math.max(1, transactions)).toFixed(1),
    statementsPerReport: +(statements / Math.max(1, reports)).toFixed(2),
    serverExecMsPerReport: +(execMs / Math.max(1, reports)).toFixed(3),
    top: rows.slice(0, 8).map((r) => ({ statement: r.query, calls: r.calls, 'ms each': +(r.ms / Math.max(1, r.calls)).toFixed(3), 'share %': +((r.ms / Math.max(1, execMs)) * 100).toFixed(1) })),
    /** The service's connections, on average over the run, in each state. */
    connections: Object.fromEntries([...states].sort((x, y) => y[1] - x[1]).map(([k, n]) => [k, perSample(n)])),
  };
}

/**
 * `--store postgres`: SQLite, then PostgreSQL with one and with two instances (a server of its own,
 * initdb into a temporary directory, removed after), the same drawn 2-4 KB reports and connections.
 */
export async function postgresComparison({ dir, work, headers, startService, stopService, freePort, cpuSeconds, plan, connections, sequenceLength }) {
  const next = () => ({ body: work.smallReport() });
  const common = { next, headers, seconds: plan.seconds, connections, sequenceLength, warmupSeconds: plan.warmupSeconds, cpuSeconds };
  const runs = [];
  const sqlite = await startService(join(dir, 'compare.db'));
  runs.push(await loadAcross('SQLite, 1 instance', [sqlite], common));
  await stopService(sqlite);

  const pgServer = await startPgServer(await freePort());
  const sampler = new pg.Client({ connectionString: pgServer.url('postgres') });
  try {
    pgServer.psql(`CREATE DATABASE ${DATABASE}`);
    pgServer.psql('CREATE EXTENSION pg_stat_statements', DATABASE);
    await sampler.connect();
    const env = { DATABASE_URL: pgServer.url(DATABASE) };
    for (const n of [1, 2]) {
      const services = [];
      // One at a time: the first migrates the empty database.
      for (let i = 0; i < n; i++) services.push(await startService(join(dir, 'unused.db'), env));
      runs.push(await loadAcross(`PostgreSQL, ${n} instance${n > 1 ? 's' : ''}`, services, { ...common, pgServer, sampler }));
      for (const s of services) await stopService(s);
    }
  } finally {
    await sampler.end().catch(() => {});
    await pgServer.destroy();
  }
  printComparison(runs);
  return runs;
}

function printComparison(runs) {
  console.table(
    runs.map((r) => ({
      run: r.name,
      'req/s': r.requestsPerSecond,
      'p50 ms': r.p50,
      'p99 ms': r.p99,
      'non-2xx': r.non2xx,
      'service CPU µs/req': r.serviceCpuMicros,
      'postgres CPU µs/req': r.postgresCpuMicros,
      'CPU µs/req in all': r.serviceCpuMicros + r.postgresCpuMicros,
    })),
  );
  for (const r of runs) if (r.non2xx > 0) console.log(`${r.name}: non-2xx ${JSON.stringify(r.failures)}`);
  const [sqlite, one, two] = runs;
  const ratio = (x, y) => (x / Math.max(1, y)).toFixed(2);
  console.log(
    `req/s: PostgreSQL 1 instance / SQLite ${ratio(one.requestsPerSecond, sqlite.requestsPerSecond)}, 2 instances / SQLite ${ratio(two.requestsPerSecond, sqlite.requestsPerSecond)}, 2 / 1 instance ${ratio(two.requestsPerSecond, one.requestsPerSecond)}; ` +
      `CPU per report in all: PostgreSQL 1 instance / SQLite ${ratio(one.serviceCpuMicros + one.postgresCpuMicros, sqlite.serviceCpuMicros)}`,
  );
  for (const r of [one, two]) {
    const w = r.where;
    console.log(
      `\n${r.name}: ${w.transactions} write transactions, ${w.reportsPerTransaction} reports each (group commit), ${w.statementsPerTransaction} statements (round trips) each with BEGIN/COMMIT, ` +
        `${w.statementsPerReport} statements and ${w.serverExecMsPerReport} ms of statement execution per report; ${w.deadlocks} deadlocks, ${w.rollbacks} rollbacks`,
    );
    console.log(`the service's connections on average: ${Object.entries(w.connections).map(([k, v]) => `${v} ${k}`).join(', ')}`);
    console.table(w.top);
  }
}
