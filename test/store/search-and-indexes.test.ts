// Migration 004: the trigram search index (backfilled, kept in step with the groups) and list plans that match their filters.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadMigrations, migrate } from '../../src/store/migrate.js';
import { openDatabase, type Db } from '../../src/store/open-database.js';
import { createSqliteStore, listSql } from '../../src/store/sqlite-store.js';
import { preparedReport } from '../helper.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'et-search-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));


const ftsIds = (db: Db, term: string) =>
  db.prepare<[string], { rowid: number }>('SELECT rowid FROM errors_fts WHERE errors_fts MATCH ? ORDER BY rowid').all(`"${term}"`).map((r) => r.rowid);

const plan = (db: Db, sql: string) =>
  db
    .prepare(`EXPLAIN QUERY PLAN ${sql}`)
    .all({ project: 'p', resolved: 0, source: 'server', pattern: '%x%', match: '"xyz"', limit: 50, offset: 0 })
    .map((r) => (r as { detail: string }).detail)
    .join(' | ');

describe('migration 004', () => {
  it('indexes the groups that existed before it, and follows later inserts, message changes and deletes', async () => {
    const db = openDatabase(join(dir, 'a.db'));
    migrate(db, loadMigrations().slice(0, 3));
    // A group as release 003 wrote it: plain SQL, since today's store expects today's schema.
    const old = db
      .prepare(`
        INSERT INTO errors (fingerprint, project, exception_type, message, source, first_seen, last_seen)
        VALUES (?, 'shop', 'E', 'connection refused by upstream', 'server', '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z')
        RETURNING id`)
      .get('f'.repeat(32)) as { id: number };
    expect(migrate(db)).toContain(4);
    expect(ftsIds(db, 'refused')).toEqual([old.id]);

    const store = createSqliteStore(db);
    const added = await store.ingest(preparedReport({ fingerprint: 'a'.repeat(32), exceptionType: 'QuotaExceeded', message: 'disk full' }));
    expect(ftsIds(db, 'quotaexc')).toEqual([added.id]);
    await store.ingest(preparedReport({ fingerprint: 'a'.repeat(32), message: 'disk nearly full' }));
    expect(ftsIds(db, 'nearly')).toEqual([added.id]);
    expect(ftsIds(db, 'disk full')).toEqual([]);
    db.prepare('DELETE FROM errors WHERE id = ?').run(old.id);
    expect(ftsIds(db, 'refused')).toEqual([]);
    // Throws SQLITE_CORRUPT_VTAB when the index and the groups disagree.
    expect(() => db.prepare("INSERT INTO errors_fts (errors_fts) VALUES ('integrity-check')").run()).not.toThrow();
    store.close();
  });

  it('search finds substrings through the index, two-letter terms and quotes included', async () => {
    const db = openDatabase(join(dir, 'b.db'));
    migrate(db);
    const store = createSqliteStore(db);
    const a = await store.ingest(preparedReport({ fingerprint: '1'.repeat(32), exceptionType: 'KeyError', message: 'say "hi" to Ünïcode' }));
    const b = await store.ingest(preparedReport({ fingerprint: '2'.repeat(32), exceptionType: 'TypeError', message: 'x is undefined' }));
    const ids = async (search: string) => (await store.listErrors({ search, limit: 50, offset: 0 })).errors.map((e) => e.id).sort();
    expect(await ids('keyerr')).toEqual([a.id]);
    expect(await ids('"hi"')).toEqual([a.id]);
    expect(await ids('rror')).toEqual([a.id, b.id].sort());
    expect(await ids('x ')).toEqual([b.id]);
    expect(await ids('UNDEFINED')).toEqual([b.id]);
    // From three characters the trigram index decides, and it folds Unicode letters too.
    expect(await ids('üNÏCODE')).toEqual([a.id]);
    expect(await ids('Ünïcode')).toEqual([a.id]);
    expect(await ids('nïcodes')).toEqual([]);
    expect((await store.listErrors({ search: 'rror', limit: 1, offset: 0 })).total).toBe(2);
    expect((await store.listErrors({ search: 'rror', project: 'shop', resolved: false, limit: 1, offset: 0 })).total).toBe(2);
    await store.setResolved(b.id, true);
    expect(await store.listErrors({ search: 'rror', resolved: true, limit: 50, offset: 0 })).toMatchObject({ total: 1, errors: [{ id: b.id }] });
    store.close();
  });
});

describe('list query plans', () => {
  it('use the trigram index for search, and covering indexes for the counts of every filter', () => {
    const db = openDatabase(':memory:');
    migrate(db);
    expect(plan(db, listSql({ search: 'timeout' }, 'rows'))).toMatch(/errors_fts VIRTUAL TABLE/);
    expect(plan(db, listSql({ search: 'timeout' }, 'rows'))).not.toMatch(/TEMP B-TREE/);
    expect(plan(db, listSql({ search: 'timeout' }, 'few'))).toMatch(/^SEARCH errors USING INTEGER PRIMARY KEY/);
    expect(plan(db, listSql({ search: 'timeout' }, 'count'))).toMatch(/^SCAN errors_fts VIRTUAL TABLE[^|]*$/);
    expect(plan(db, listSql({ search: 'timeout', project: 'p' }, 'count'))).toMatch(/errors_fts VIRTUAL TABLE/);
    expect(plan(db, listSql({ resolved: false }, 'count'))).toMatch(/COVERING INDEX errors_resolved_source/);
    expect(plan(db, listSql({ project: 'p', resolved: false }, 'count'))).toMatch(/COVERING INDEX errors_project_resolved/);
    expect(plan(db, listSql({ project: 'p' }, 'count'))).toMatch(/COVERING INDEX/);
    expect(plan(db, listSql({ resolved: true }, 'count'))).toMatch(/COVERING INDEX/);
    expect(plan(db, listSql({ source: 'browser' }, 'count'))).toMatch(/COVERING INDEX/);
    for (const q of [{}, { project: 'p' }, { resolved: false }, { source: 'server' as const }]) {
      expect(plan(db, listSql(q, 'rows')), JSON.stringify(q)).not.toMatch(/TEMP B-TREE/);
    }
    db.close();
  });
});
