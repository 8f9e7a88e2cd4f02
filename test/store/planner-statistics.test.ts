// The planner's table statistics (PRAGMA optimize): taken on open and after each retention cleanup, so two filters use the narrower index.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { migrate } from '../../src/store/sqlite/migrate.js';
import { openDatabase, type Db } from '../../src/store/sqlite/open-database.js';
import { createSqliteStore } from '../../src/store/sqlite/index.js';
import { listSql } from '../../src/store/sqlite/list-sql.js';
import type { Store } from '../../src/store/types.js';
import { preparedReport } from '../helper.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'et-stats-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const statRows = (db: Db) => {
  try {
    return db.prepare("SELECT idx FROM sqlite_stat1 WHERE tbl = 'errors'").all().length;
  } catch {
    return 0; // no sqlite_stat1 table: never analyzed
  }
};

const plan = (db: Db, q: Parameters<typeof listSql>[0]) =>
  db
    .prepare(`EXPLAIN QUERY PLAN ${listSql(q, 'rows')}`)
    .all({ project: 'p3', resolved: 0, source: 'server', limit: 50, offset: 0 })
    .map((r) => (r as { detail: string }).detail)
    .join(' | ');

/** 2,000 groups over 40 projects, half of them resolved: a project is far narrower than a status. */
async function fill(store: Store): Promise<void> {
  const reports = Array.from({ length: 2_000 }, (_, n) =>
    preparedReport({ fingerprint: `g${String(n).padStart(31, '0')}`, project: `p${n % 40}`, timestamp: new Date(Date.UTC(2026, 0, 1) + n * 1000).toISOString() }),
  );
  const results = await Promise.all(reports.map((r) => store.ingest(r)));
  for (const r of results.filter((_, n) => n % 2 === 0)) await store.setResolved(r.id, true);
}

describe('planner statistics', () => {
  it('are taken when a store opens a database with groups, and a project with a status walks the project index', async () => {
    const path = join(dir, 'a.db');
    let db = openDatabase(path);
    migrate(db);
    let store = createSqliteStore(db);
    await fill(store);
    expect(statRows(db)).toBe(0);
    store.close();

    db = openDatabase(path);
    store = createSqliteStore(db);
    expect(statRows(db)).toBeGreaterThan(0);
    expect(plan(db, { project: 'p3', resolved: false })).toMatch(/errors_project_last_seen/);
    expect(plan(db, { project: 'p3', source: 'server' })).toMatch(/errors_project_last_seen/);
    store.close();
  });

  it('are refreshed by the retention cleanup for a database that grew since it was opened', async () => {
    const db = openDatabase(join(dir, 'b.db'));
    migrate(db);
    const store = createSqliteStore(db);
    await fill(store);
    expect(statRows(db)).toBe(0);
    await store.cleanup({ resolvedBefore: null, hourlyCountsBefore: '2000-01-01T00' });
    expect(statRows(db)).toBeGreaterThan(0);
    store.close();
  });
});
