// Migration 007: list totals come from per-(project, status, source) counts that triggers keep equal to the groups.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadMigrations, migrate } from '../../src/store/sqlite/migrate.js';
import { openDatabase, type Db } from '../../src/store/sqlite/open-database.js';
import { createSqliteStore } from '../../src/store/sqlite/index.js';
import { listSql } from '../../src/store/sqlite/list-sql.js';
import type { ListQuery, Source, Store } from '../../src/store/types.js';
import { preparedReport } from '../helper.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'et-counts-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const PROJECTS = ['shop', 'billing', undefined];
const RESOLVED = [true, false, undefined];
const SOURCES: Array<Source | undefined> = ['server', 'browser', undefined];

/** Every filter combination's total through the store, against a count of the groups themselves. */
async function expectTotalsMatchGroups(store: Store, db: Db): Promise<number> {
  let checked = 0;
  for (const project of PROJECTS) {
    for (const resolved of RESOLVED) {
      for (const source of SOURCES) {
        const q: ListQuery = { project, resolved, source, limit: 5, offset: 0 };
        const where = [project && `project = '${project}'`, resolved !== undefined && `resolved = ${resolved ? 1 : 0}`, source && `source = '${source}'`].filter(Boolean);
        const sql = `SELECT count(*) AS n FROM errors ${where.length ? `WHERE ${where.join(' AND ')}` : ''}`;
        const expected = (db.prepare(sql).get() as { n: number }).n;
        expect({ q, total: (await store.listErrors(q)).total }).toEqual({ q, total: expected });
        checked++;
      }
    }
  }
  return checked;
}

const group = (i: number, project: string, source: Source) =>
  preparedReport({ fingerprint: i.toString(16).padStart(32, '0'), project, source, timestamp: '2026-01-01T00:00:00.000Z' });

describe('group counts (migration 007)', () => {
  it('stay equal to the groups through new groups, repeats, resolve, reopen, a source change and retention', async () => {
    const db = openDatabase(join(dir, 'a.db'));
    migrate(db);
    const store = createSqliteStore(db);
    const ids: number[] = [];
    for (let i = 0; i < 30; i++) ids.push((await store.ingest(group(i, i % 3 === 0 ? 'billing' : 'shop', i % 4 === 0 ? 'browser' : 'server'))).id);
    await store.ingest(group(1, 'shop', 'server')); // a repeat changes no count
    expect(await expectTotalsMatchGroups(store, db)).toBe(27);

    for (const id of ids.slice(0, 10)) await store.setResolved(id, true);
    await expectTotalsMatchGroups(store, db);
    await store.ingest(group(2, 'shop', 'server')); // a regression: group 2 (ids[2]) reopens
    await store.setResolved(ids[3]!, false);
    await store.ingest(group(5, 'shop', 'browser')); // the same group now seen from a browser
    await expectTotalsMatchGroups(store, db);

    const cleaned = await store.cleanup({ resolvedBefore: '2999-01-01T00:00:00.000Z', hourlyCountsBefore: '2000-01-01T00:00:00.000Z' });
    expect(cleaned.groupsDeleted).toBe(7); // ten resolved, then groups 2 and 5 came back and group 3 was reopened
    await expectTotalsMatchGroups(store, db);
    store.close();
  });

  it('are counted for the groups a database already had when it is migrated', async () => {
    const path = join(dir, 'b.db');
    const before = openDatabase(path);
    migrate(before, loadMigrations().slice(0, 6));
    const insert = before.prepare(`
      INSERT INTO errors (fingerprint, project, exception_type, message, source, first_seen, last_seen, resolved)
      VALUES (?, ?, 'E', 'm', ?, '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z', ?)`);
    for (let i = 0; i < 12; i++) insert.run(`f${i}`, i % 2 ? 'shop' : 'billing', i % 3 ? 'server' : 'browser', i % 4 === 0 ? 1 : 0);
    expect(migrate(before)).toEqual(loadMigrations().slice(6).map((m) => m.version));
    const store = createSqliteStore(before);
    await expectTotalsMatchGroups(store, before);
    store.close();
  });

  it('answer every total without a search, and searches still count the groups', () => {
    expect(listSql({ resolved: false }, 'count')).toContain('FROM error_group_counts');
    expect(listSql({}, 'count')).toContain('FROM error_group_counts');
    expect(listSql({ project: 'p', resolved: true, source: 'browser' }, 'count')).toContain('FROM error_group_counts');
    expect(listSql({ search: 'ab' }, 'count')).not.toContain('error_group_counts');
  });
});
