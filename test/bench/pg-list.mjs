// The list at 100,000 groups on PostgreSQL beside SQLite: each filter, sort, status and search the UI makes, timed through the store (a script, not a test).
// Usage: npm run build && node test/bench/pg-list.mjs postgres://user@host:5432/empty_db [sqlite file]
// EXPLAIN=1 prints PostgreSQL's plan of each case.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const { openPgStores } = await import(`${ROOT}dist/store/pg/index.js`);
const { migratePg } = await import(`${ROOT}dist/store/pg/migrate.js`);
const { listQuery } = await import(`${ROOT}dist/store/pg/list.js`);
const { openDatabase } = await import(`${ROOT}dist/store/sqlite/open-database.js`);
const { migrate } = await import(`${ROOT}dist/store/sqlite/migrate.js`);
const { createSqliteStore } = await import(`${ROOT}dist/store/sqlite/index.js`);

const url = process.argv[2];
if (!url) {
  process.stderr.write('usage: node test/bench/pg-list.mjs <postgres url of an empty database> [sqlite file]\n');
  process.exit(2);
}
const GROUPS = Number(process.env.GROUPS ?? 100_000);
const RUNS = Number(process.env.RUNS ?? 15);

/**
 * One group of the seed, the same on both backends: 20 projects, a third resolved, one in fifty
 * ignored, a fifth from browsers, words from a small vocabulary (a common term matches thousands,
 * a rare one a few), counts and users skewed, 40 releases.
 */
function groupOf(g) {
  const iso = (seconds) => new Date(Date.UTC(2026, 0, 1) + seconds * 1000).toISOString();
  const resolved = g % 3 === 0;
  const ignored = !resolved && g % 50 === 1;
  return {
    fingerprint: g.toString(16).padStart(32, '0'),
    project: `project-${g % 20}`,
    exception_type: ['TypeError', 'ValueError', 'KeyError', 'RangeError', 'IOError'][g % 5],
    message: `cannot handle ${['order', 'invoice', 'payment', 'cart', 'user', 'session', 'shipment', 'coupon'][g % 8]} #${g % 9973}`,
    file: `/srv/app/module_${g % 997}.py`,
    line: g % 500,
    source: g % 5 === 0 ? 'browser' : 'server',
    count: 1 + ((g * 7919) % 50),
    first_seen: iso(g * 17),
    last_seen: iso(g * 23),
    resolved,
    resolved_at: resolved ? '2026-02-01T00:00:00.000Z' : null,
    ignored,
    ignore_until_count: ignored && g % 4 === 1 ? 1000 : null,
    first_release: `v${g % 40}`,
    users: (g * 104729) % 7 === 0 ? (g * 31) % 300 : 0,
  };
}
const COLUMNS = ['fingerprint', 'project', 'exception_type', 'message', 'file', 'line', 'source', 'count', 'first_seen', 'last_seen', 'resolved', 'resolved_at', 'ignored', 'ignore_until_count', 'first_release', 'users'];

async function seedPg(pool) {
  const { rows } = await pool.query('SELECT count(*) AS n FROM errors');
  if (rows[0].n > 0) return false;
  const types = ['text', 'text', 'text', 'text', 'text', 'int', 'text', 'bigint', 'text', 'text', 'bool', 'text', 'bool', 'bigint', 'text', 'bigint'];
  for (let from = 1; from <= GROUPS; from += 5_000) {
    const groups = Array.from({ length: Math.min(5_000, GROUPS - from + 1) }, (_, i) => groupOf(from + i));
    await pool.query(
      `INSERT INTO errors (${COLUMNS.join(', ')}, function) SELECT *, 'handler' FROM unnest(${types.map((t, i) => `$${i + 1}::${t}[]`).join(', ')})`,
      COLUMNS.map((c) => groups.map((g) => g[c])),
    );
  }
  await pool.query(`INSERT INTO error_tags (error_id, key, value, count) SELECT id, 'release', first_release, count FROM errors`);
  await pool.query('VACUUM ANALYZE');
  return true;
}

function seedSqlite(db) {
  if (db.prepare('SELECT count(*) FROM errors').pluck().get() > 0) return false;
  const insert = db.prepare(`INSERT INTO errors (${COLUMNS.join(', ')}, function) VALUES (${COLUMNS.map(() => '?').join(', ')}, 'handler')`);
  db.transaction(() => {
    for (let g = 1; g <= GROUPS; g++) {
      const row = groupOf(g);
      insert.run(...COLUMNS.map((c) => (typeof row[c] === 'boolean' ? (row[c] ? 1 : 0) : row[c])));
    }
    db.exec(`INSERT INTO error_tags (error_id, key, value, count) SELECT id, 'release', first_release, count FROM errors`);
  })();
  db.exec('ANALYZE');
  return true;
}

const pg = openPgStores(url, { max: 4 });
await migratePg(pg.pool);
let t0 = performance.now();
if (await seedPg(pg.pool)) process.stdout.write(`PostgreSQL: seeded ${GROUPS} groups in ${Math.round(performance.now() - t0)} ms\n`);
const tmp = process.argv[3] ? null : mkdtempSync(join(tmpdir(), 'etrk-list-'));
const db = openDatabase(process.argv[3] ?? join(tmp, 'list.db'));
migrate(db);
t0 = performance.now();
if (seedSqlite(db)) process.stdout.write(`SQLite: seeded ${GROUPS} groups in ${Math.round(performance.now() - t0)} ms\n`);
const sqlite = createSqliteStore(db);

// What the list view asks for (web/js/list-view.js always sends a status; the Releases view links to status=all).
const U = { status: 'unresolved' };
const cases = {
  'default view (unresolved, last seen)': U,
  'resolved': { status: 'resolved' },
  'ignored': { status: 'ignored' },
  'all': { status: 'all' },
  'no status (API default: ignored hidden)': {},
  'sort first_seen': { ...U, sort: 'first_seen' },
  'sort count': { ...U, sort: 'count' },
  'sort users': { ...U, sort: 'users' },
  'all, sort count': { status: 'all', sort: 'count' },
  'one project, unresolved': { ...U, project: 'project-7' },
  'one project, sort users': { ...U, project: 'project-7', sort: 'users' },
  'one project, ignored': { status: 'ignored', project: 'project-7' },
  'browser source': { ...U, source: 'browser' },
  'page 100 (offset 5000)': { ...U, offset: 5000 },
  'page 100, sort count': { ...U, sort: 'count', offset: 5000 },
  'search, common term ("payment")': { ...U, search: 'payment' },
  'search, common, status all': { status: 'all', search: 'payment' },
  'search, common, no status': { search: 'payment' },
  'search, rare term ("#4242")': { ...U, search: '#4242' },
  'search + project': { ...U, search: 'coupon', project: 'project-3' },
  'search, 2 characters ("ze")': { ...U, search: 'ze' },
  'release v7 (tag), status all': { status: 'all', project: 'project-7', tags: [['release', 'v7']] },
  'release v7 (tag), unresolved': { ...U, tags: [['release', 'v7']] },
};

async function median(store, query) {
  const times = [];
  let total = 0;
  for (let i = 0; i < RUNS; i++) {
    const t = performance.now();
    total = (await store.listErrors(query)).total;
    times.push(performance.now() - t);
  }
  times.sort((x, y) => x - y);
  return { ms: times[Math.floor(RUNS / 2)], total };
}

process.stdout.write(`median of ${RUNS} runs, ms (total in brackets)\n${'case'.padEnd(42)} ${'PostgreSQL'.padStart(10)} ${'SQLite'.padStart(10)}\n`);
for (const [name, q] of Object.entries(cases)) {
  const query = { limit: 50, offset: 0, ...q };
  const p = await median(pg.store, query);
  const s = await median(sqlite, query);
  const totals = p.total === s.total ? `[${p.total}]` : `[${p.total} vs ${s.total}: DIFFER]`;
  process.stdout.write(`${name.padEnd(42)} ${p.ms.toFixed(2).padStart(10)} ${s.ms.toFixed(2).padStart(10)}  ${totals}\n`);
  if (process.env.EXPLAIN) {
    const { text, values } = listQuery(query);
    const plan = await pg.pool.query(`EXPLAIN ANALYZE ${text}`, values);
    process.stdout.write(plan.rows.map((r) => `    ${r['QUERY PLAN']}`).join('\n') + '\n');
  }
}
await pg.store.end();
sqlite.close();
if (tmp) rmSync(tmp, { recursive: true, force: true });
