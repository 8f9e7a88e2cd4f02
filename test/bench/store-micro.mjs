// The store's own cost per report, outside HTTP: the benchmark's 2-4 KB reports in group commits of 50 on a file database.
// Usage: npm run build && node test/bench/store-micro.mjs [--reports 60000] [--batch 50] [--sync FULL|OFF] [--traceback-bytes N] [--hot] [--alerts]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { corpus } from './workload.mjs';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : fallback;
};
const REPORTS = Number(arg('reports', '60000'));
const BATCH = Number(arg('batch', '50'));
const SYNC = arg('sync', 'FULL');
/** The corpus pads its reports in `extra` and its traces average ~540 bytes; real ones often run to kilobytes. */
const TRACEBACK_BYTES = Number(arg('traceback-bytes', '0'));
/** An incident: every report is of one group (the corpus's first draw), so each commit folds its whole batch into one write. */
const HOT = process.argv.includes('--hot');
/** The alert rules in the write transaction, all on (spike and impact following every group, never reaching their thresholds), as a service with channels runs them. */
const ALERTS = process.argv.includes('--alerts');
/** Unmeasured first reports: every group of the corpus exists and the ring of five is full. */
const WARMUP = 10_000;

const { openDatabase } = await import(`${ROOT}dist/store/sqlite/open-database.js`);
const { migrate } = await import(`${ROOT}dist/store/sqlite/migrate.js`);
const { createSqliteStore } = await import(`${ROOT}dist/store/sqlite/index.js`);
const { prepareReport } = await import(`${ROOT}dist/ingest/pipeline.js`);
const { keyMatcher } = await import(`${ROOT}dist/ingest/scrub.js`);
const { createRuleTrigger } = await import(`${ROOT}dist/alerts/rules.js`);

const work = corpus();
const isSecret = keyMatcher();
const start = Date.parse('2026-06-01T00:00:00Z');
/** Repeats the trace's frame lines up to `bytes`: deeper, but the same trace for the same group. */
function deeper(traceback, bytes) {
  const lines = traceback.split('\n');
  const frames = lines.slice(1, -2).join('\n');
  if (frames === '') return traceback;
  const out = [lines[0]];
  while (out.join('\n').length < bytes) out.push(frames);
  return [...out, ...lines.slice(-2)].join('\n');
}
const hotReport = HOT ? work.smallReport() : undefined;
const reports = Array.from({ length: WARMUP + REPORTS }, (_, i) => {
  const body = JSON.parse(HOT ? hotReport : work.smallReport());
  if (TRACEBACK_BYTES > 0) body.traceback = deeper(body.traceback, TRACEBACK_BYTES);
  return prepareReport(body, { isSecret, now: new Date(start + i * 10) });
});

const dir = mkdtempSync(join(tmpdir(), 'et-micro-'));
try {
  const db = openDatabase(join(dir, 'micro.db'));
  migrate(db);
  db.pragma(`synchronous = ${SYNC}`);
  const rules = { newGroup: true, regression: true, spike: { events: 1e9, minutes: 5, timesUsual: null }, impact: { users: 1e6 }, cooldownMinutes: null };
  const alertTrigger = ALERTS ? createRuleTrigger({ rules: { rulesFor: () => rules }, cooldownMs: 600_000, now: () => new Date() }) : undefined;
  const store = createSqliteStore(db, { alertTrigger });
  const run = async (from, to) => {
    for (let i = from; i < to; i += BATCH) await Promise.all(reports.slice(i, Math.min(to, i + BATCH)).map((r) => store.ingest(r)));
  };
  await run(0, WARMUP);
  const cpu = process.cpuUsage();
  const t0 = performance.now();
  await run(WARMUP, WARMUP + REPORTS);
  const wallUs = ((performance.now() - t0) * 1000) / REPORTS;
  const { user, system } = process.cpuUsage(cpu);
  // Pages each group commit writes (its WAL frames), with checkpoints held off so the WAL keeps them.
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.pragma('wal_autocheckpoint = 0');
  const FRAMED = 10_000;
  await run(WARMUP, WARMUP + FRAMED);
  const [{ log: frames }] = db.pragma('wal_checkpoint(PASSIVE)');
  const pagesPerCommit = frames / Math.ceil(FRAMED / BATCH);
  const alerts = ALERTS ? db.prepare('SELECT count(*) AS n FROM alert_outbox').get().n : 0;
  store.close();
  console.log(
    `${REPORTS} reports (${(reports.reduce((n, r) => n + r.traceback.length, 0) / reports.length).toFixed(0)} B tracebacks), batches of ${BATCH}${HOT ? ' of one group' : ''}${ALERTS ? `, alert rules on (${alerts} outbox rows, all from the warm-up's new groups)` : ''}, synchronous=${SYNC}: ${wallUs.toFixed(1)} µs/report wall, ` +
      `${((user + system) / REPORTS).toFixed(1)} µs/report CPU (${(system / REPORTS).toFixed(1)} system); ${pagesPerCommit.toFixed(1)} pages written per commit`,
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
