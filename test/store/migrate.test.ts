// Migrations and the database file: applied once in order, refused when too new, WAL and FKs on.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadMigrations, migrate, SchemaTooNewError } from '../../src/store/sqlite/migrate.js';
import { openDatabase } from '../../src/store/sqlite/open-database.js';
import { createSqliteStore } from '../../src/store/sqlite/index.js';
import { preparedReport } from '../helper.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'et-store-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const prepared = preparedReport;

describe('migrations', () => {
  it('are numbered from 1 without gaps', () => {
    expect(loadMigrations().map((m) => m.version)).toEqual(loadMigrations().map((_, i) => i + 1));
  });

  it('apply once, in order, and record the version', () => {
    const db = openDatabase(join(dir, 'a.db'));
    const all = loadMigrations().map((m) => m.version);
    expect(migrate(db)).toEqual(all);
    expect(migrate(db)).toEqual([]);
    expect(db.pragma('user_version', { simple: true })).toBe(all.length);
    db.close();
  });

  it('roll back a failing migration whole', () => {
    const db = openDatabase(join(dir, 'b.db'));
    const bad = [...loadMigrations(), { version: loadMigrations().length + 1, name: 'x.sql', sql: 'CREATE TABLE t (a); SELECT * FROM missing_table;' }];
    expect(() => migrate(db, bad)).toThrow(/missing_table/);
    expect(db.pragma('user_version', { simple: true })).toBe(loadMigrations().length);
    expect(db.prepare("SELECT count(*) AS n FROM sqlite_master WHERE name = 't'").get()).toEqual({ n: 0 });
    db.close();
  });

  it('refuse a database written by a newer release', () => {
    const db = openDatabase(join(dir, 'c.db'));
    db.pragma('user_version = 999');
    expect(() => migrate(db)).toThrow(SchemaTooNewError);
    expect(() => migrate(db)).toThrow(/version 999/);
    db.close();
  });
});

describe('database file', () => {
  it('runs in WAL mode with foreign keys and a busy timeout', () => {
    const db = openDatabase(join(dir, 'sub', 'dir', 'd.db'));
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
    expect(db.pragma('busy_timeout', { simple: true })).toBeGreaterThan(0);
    db.close();
  });

  it('keeps what the store acknowledged across a reopen, and deletes occurrences with their group', async () => {
    const path = join(dir, 'e.db');
    const db = openDatabase(path);
    migrate(db);
    const store = createSqliteStore(db);
    const results = await Promise.all([store.ingest(prepared()), store.ingest(prepared()), store.ingest(prepared({ fingerprint: 'g'.repeat(32) }))]);
    expect(results.map((r) => [r.count, r.created])).toEqual([[1, true], [2, false], [1, true]]);
    store.close();

    const again = openDatabase(path);
    expect(again.prepare('SELECT fingerprint, count FROM errors ORDER BY id').all()).toEqual([
      { fingerprint: 'f'.repeat(32), count: 2 },
      { fingerprint: 'g'.repeat(32), count: 1 },
    ]);
    again.prepare('DELETE FROM errors WHERE id = ?').run(results[0]!.id);
    expect(again.prepare('SELECT count(*) AS n FROM error_occurrences WHERE error_id = ?').get(results[0]!.id)).toEqual({ n: 0 });
    expect(again.pragma('integrity_check', { simple: true })).toBe('ok');
    again.close();
  });

  it('fails only the report that cannot be written, not its batch neighbours', async () => {
    const db = openDatabase(join(dir, 'f.db'));
    migrate(db);
    const store = createSqliteStore(db);
    const bad = prepared({ fingerprint: 'b'.repeat(32), source: 'mobile' as never });
    const settled = await Promise.allSettled([store.ingest(prepared()), store.ingest(bad), store.ingest(prepared({ fingerprint: 'c'.repeat(32) }))]);
    expect(settled.map((s) => s.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    store.close();
  });
});
