// What migration 009 (the crash frame's file in the trigram index) costs on 100,000 groups: index size, migration time, search times.
// Usage: npm run build && node test/bench/search-index-cost.mjs
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const { openDatabase } = await import(`${ROOT}dist/store/sqlite/open-database.js`);
const { migrate, loadMigrations } = await import(`${ROOT}dist/store/sqlite/migrate.js`);
const { createSqliteStore } = await import(`${ROOT}dist/store/sqlite/index.js`);
const { bulkWrite, seedReports } = await import(`${ROOT}test/bench/workload.mjs`);
const dir = mkdtempSync(join(tmpdir(), 'et-search-cost-'));
const path = join(dir, 'search.db');
const db = openDatabase(path);
const all = loadMigrations();
const fileIndex = all.find((m) => /CREATE VIRTUAL TABLE errors_fts[^;]*\bfile\b/i.test(m.sql)).version;
migrate(db, all.slice(0, fileIndex - 1));
db.pragma('synchronous = OFF');
// Realistic crash files: a URL or a path per group, 40-80 characters.
bulkWrite(db, [...seedReports(100_000, 300_000)].map((r) => {
  const g = parseInt(r.fingerprint.slice(0, 6), 16);
  return { ...r, file: g % 2 ? `https://shop.example.com/static/js/chunk-${(g % 9973).toString(16)}.${(g * 7919 % 65536).toString(16)}.js` : `/srv/app/services/svc_${g % 701}/handlers/module_${g % 997}.py` };
}), new Date().toISOString());
db.pragma('wal_checkpoint(TRUNCATE)');
const ftsBytes = () => db.prepare("SELECT sum(pgsize) AS b FROM dbstat WHERE name LIKE 'errors_fts%'").get().b;
/** Mean ms of 20 searches (the store answers synchronously inside its promise). */
const timeSearch = async (store, term) => {
  const t0 = performance.now();
  for (let i = 0; i < 20; i++) await store.listErrors({ search: term, limit: 50, offset: 0 });
  return (performance.now() - t0) / 20;
};
let store = createSqliteStore(db);
const before = { indexBytes: ftsBytes() };
const terms = ['overflow', 'order 4242', 'TypeError'];
const tBefore = {};
for (const t of terms) {
  await timeSearch(store, t);
  tBefore[t] = await timeSearch(store, t);
}
const t0 = performance.now();
migrate(db);
const migrateMs = performance.now() - t0;
store = createSqliteStore(db);
const after = { indexBytes: ftsBytes() };
const tAfter = {};
for (const t of [...terms, 'module_42', 'chunk-1a']) {
  await timeSearch(store, t);
  tAfter[t] = await timeSearch(store, t);
}
console.log(JSON.stringify({ before, after, migrateMs: Math.round(migrateMs), searchMsBefore: tBefore, searchMsAfter: tAfter }, null, 1));
store.close();
rmSync(dir, { recursive: true, force: true });
