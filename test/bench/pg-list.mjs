// The list on PostgreSQL at 100,000 groups: each filter and search the UI makes, timed through the store (a script, not a test).
// Usage: npm run build && node test/bench/pg-list.mjs postgres://user@host:5432/empty_db
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const { openPgStores } = await import(`${ROOT}dist/store/pg/index.js`);
const { migratePg } = await import(`${ROOT}dist/store/pg/migrate.js`);
const { listQuery } = await import(`${ROOT}dist/store/pg/list.js`);

const url = process.argv[2];
if (!url) {
  process.stderr.write('usage: node test/bench/pg-list.mjs <postgres url of an empty database>\n');
  process.exit(2);
}
const GROUPS = Number(process.env.GROUPS ?? 100_000);
const s = openPgStores(url, { max: 4 });
await migratePg(s.pool);
const { rows } = await s.pool.query('SELECT count(*) AS n FROM errors');
if (rows[0].n === 0) {
  const t0 = performance.now();
  // 20 projects, a third resolved, a fifth from browsers; words from a small vocabulary, so a
  // common term matches thousands and a rare one a few.
  await s.pool.query(`
    INSERT INTO errors (fingerprint, project, exception_type, message, file, line, function, source, count, first_seen, last_seen, resolved, resolved_at)
    SELECT md5(g::text), 'project-' || (g % 20), (ARRAY['TypeError','ValueError','KeyError','RangeError','IOError'])[1 + g % 5],
           'cannot handle ' || (ARRAY['order','invoice','payment','cart','user','session','shipment','coupon'])[1 + g % 8] || ' #' || (g % 9973),
           '/srv/app/module_' || (g % 997) || '.py', g % 500, 'handler', CASE WHEN g % 5 = 0 THEN 'browser' ELSE 'server' END,
           1 + g % 50, to_char(timestamp '2026-01-01' + g * interval '17 seconds', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
           to_char(timestamp '2026-01-01' + g * interval '23 seconds', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
           g % 3 = 0, CASE WHEN g % 3 = 0 THEN '2026-02-01T00:00:00.000Z' END
    FROM generate_series(1, $1) AS g`, [GROUPS]);
  await s.pool.query(`INSERT INTO error_tags (error_id, key, value, count) SELECT id, 'release', 'v' || (id % 40), 1 FROM errors`);
  await s.pool.query('VACUUM ANALYZE');
  process.stdout.write(`seeded ${GROUPS} groups in ${Math.round(performance.now() - t0)} ms\n`);
}

const cases = {
  'default view (unresolved)': { resolved: false },
  'all groups': {},
  'one project, unresolved': { project: 'project-7', resolved: false },
  'browser source': { source: 'browser' },
  'page 100 (offset 5000)': { resolved: false, offset: 5000 },
  'search, common term ("payment")': { search: 'payment' },
  'search, rare term ("#4242")': { search: '#4242' },
  'search + project': { search: 'coupon', project: 'project-3' },
  'search, 2 characters ("ze")': { search: 'ze' },
  'tag filter (release v7)': { tags: [['release', 'v7']] },
};
const RUNS = 15;
process.stdout.write(`median of ${RUNS} runs, ms (total in brackets)\n`);
for (const [name, q] of Object.entries(cases)) {
  const query = { limit: 50, offset: 0, ...q };
  const times = [];
  let total = 0;
  for (let i = 0; i < RUNS; i++) {
    const t0 = performance.now();
    total = (await s.store.listErrors(query)).total;
    times.push(performance.now() - t0);
  }
  times.sort((x, y) => x - y);
  process.stdout.write(`${name.padEnd(36)} ${times[Math.floor(RUNS / 2)].toFixed(2).padStart(8)}  [${total}]\n`);
  if (process.env.EXPLAIN) {
    const { text, values } = listQuery(query);
    const plan = await s.pool.query(`EXPLAIN ANALYZE ${text}`, values);
    process.stdout.write(plan.rows.map((r) => `    ${r['QUERY PLAN']}`).join('\n') + '\n');
  }
}
await s.store.end();
