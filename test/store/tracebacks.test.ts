// Migration 005 and the traceback kept apart from the group row: moved safely, the latest shown, rewritten only when it changed, deleted with its group.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadMigrations, migrate } from '../../src/store/sqlite/migrate.js';
import { openDatabase, type Db } from '../../src/store/sqlite/open-database.js';
import { createSqliteStore } from '../../src/store/sqlite/index.js';
import { preparedReport } from '../helper.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'et-traceback-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const PY = 'Traceback (most recent call last):\n  File "/srv/app/orders.py", line 12, in place_order\n    qty = int(raw)\nValueError: bad\n';
const PY_DEEPER = 'Traceback (most recent call last):\n  File "/srv/app/views.py", line 3, in view\n    place_order()\n  File "/srv/app/orders.py", line 12, in place_order\n    qty = int(raw)\nValueError: bad\n';

const columns = (db: Db, table: string) => (db.pragma(`table_info(${table})`) as { name: string }[]).map((c) => c.name);

/** Counts the writes that reach error_tracebacks, through a trigger that lives only on this connection. */
function countTracebackWrites(db: Db): () => number {
  db.exec(`
    CREATE TEMP TABLE traceback_writes (n INTEGER NOT NULL);
    INSERT INTO traceback_writes VALUES (0);
    CREATE TEMP TRIGGER traceback_updated AFTER UPDATE ON main.error_tracebacks BEGIN UPDATE traceback_writes SET n = n + 1; END;
    CREATE TEMP TRIGGER traceback_inserted AFTER INSERT ON main.error_tracebacks BEGIN UPDATE traceback_writes SET n = n + 1; END;`);
  return () => (db.prepare('SELECT n FROM traceback_writes').get() as { n: number }).n;
}

describe('migration 005', () => {
  it('moves every traceback of a database written through 004 into error_tracebacks and keeps the rest of each group', () => {
    const db = openDatabase(join(dir, 'old.db'));
    migrate(db, loadMigrations().slice(0, 4));
    // Rows as release 004 wrote them: plain SQL, since today's store expects today's schema.
    const insert = db.prepare(`
      INSERT INTO errors (fingerprint, project, exception_type, message, traceback, source, count, first_seen, last_seen, resolved, resolved_at)
      VALUES (?, 'shop', 'ValueError', ?, ?, 'server', ?, '2026-01-01T00:00:00.000Z', '2026-01-02T00:00:00.000Z', ?, ?) RETURNING id`);
    const a = (insert.get('a'.repeat(32), 'bad quantity', PY, 7, 0, null) as { id: number }).id;
    const b = (insert.get('b'.repeat(32), 'Ünïcode timeout', PY_DEEPER, 3, 1, '2026-01-03T00:00:00.000Z') as { id: number }).id;
    const c = (insert.get('c'.repeat(32), 'no trace', '', 1, 0, null) as { id: number }).id;
    db.prepare(`INSERT INTO error_occurrences (error_id, slot, seq, timestamp, message) VALUES (?, 0, 1, '2026-01-02T00:00:00.000Z', 'bad quantity')`).run(a);
    db.prepare(`INSERT INTO error_hourly_counts (error_id, hour, count) VALUES (?, '2026-01-02T00:00:00Z', 7)`).run(a);
    const before = db.prepare('SELECT id, fingerprint, message, count, resolved, resolved_at, last_seen FROM errors ORDER BY id').all();

    expect(migrate(db)).toContain(5);

    expect(columns(db, 'errors')).not.toContain('traceback');
    expect(db.prepare('SELECT error_id, traceback FROM error_tracebacks ORDER BY error_id').all()).toEqual([
      { error_id: a, traceback: PY },
      { error_id: b, traceback: PY_DEEPER },
      { error_id: c, traceback: '' },
    ]);
    expect(db.prepare('SELECT id, fingerprint, message, count, resolved, resolved_at, last_seen FROM errors ORDER BY id').all()).toEqual(before);
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    expect(db.pragma('foreign_key_check')).toEqual([]);
    // The search index still agrees with the groups (throws SQLITE_CORRUPT_VTAB otherwise).
    expect(() => db.prepare("INSERT INTO errors_fts (errors_fts) VALUES ('integrity-check')").run()).not.toThrow();
    db.close();
  });

  it('leaves a database the store reads and writes as before: the moved traceback is shown, search and reports work', async () => {
    const db = openDatabase(join(dir, 'old.db'));
    migrate(db, loadMigrations().slice(0, 4));
    db.prepare(`
      INSERT INTO errors (fingerprint, project, exception_type, message, traceback, source, first_seen, last_seen)
      VALUES (?, 'shop', 'ValueError', 'connection refused', ?, 'server', '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z')`).run('f'.repeat(32), PY);
    migrate(db);
    const store = createSqliteStore(db);
    expect((await store.getError(1))!.error.traceback).toBe(PY);
    expect((await store.listErrors({ search: 'refused', limit: 5, offset: 0 })).total).toBe(1);
    const again = await store.ingest(preparedReport({ fingerprint: 'f'.repeat(32), traceback: PY_DEEPER }));
    expect([again.id, again.count]).toEqual([1, 2]);
    expect((await store.getError(1))!.error.traceback).toBe(PY_DEEPER);
    store.close();
  });
});

describe('the traceback apart from the group row', () => {
  it('shows the latest traceback, and writes it only when a report brings a different one', async () => {
    const db = openDatabase(join(dir, 'a.db'));
    migrate(db);
    const writes = countTracebackWrites(db);
    const store = createSqliteStore(db);
    const first = await store.ingest(preparedReport({ traceback: PY }));
    expect(writes()).toBe(1);
    await Promise.all(Array.from({ length: 20 }, () => store.ingest(preparedReport({ traceback: PY }))));
    expect(writes()).toBe(1);
    expect((await store.getError(first.id))!.error).toMatchObject({ traceback: PY, count: 21 });

    await store.ingest(preparedReport({ traceback: PY_DEEPER }));
    expect(writes()).toBe(2);
    expect((await store.getError(first.id))!.error.traceback).toBe(PY_DEEPER);
    // Back to the first: still the latest that is shown, including an empty one.
    await store.ingest(preparedReport({ traceback: PY }));
    await store.ingest(preparedReport({ traceback: '' }));
    expect(writes()).toBe(4);
    expect((await store.getError(first.id))!.error).toMatchObject({ traceback: '', count: 24 });
    store.close();
  });

  it('is not on the errors row, so the list never reads it', () => {
    const db = openDatabase(':memory:');
    migrate(db);
    expect(columns(db, 'errors')).not.toContain('traceback');
    expect(columns(db, 'error_tracebacks')).toEqual(['error_id', 'traceback']);
    db.close();
  });

  it('goes with its group: a cascade delete and retention remove it', async () => {
    const db = openDatabase(join(dir, 'b.db'));
    migrate(db);
    const store = createSqliteStore(db, { now: () => new Date('2026-01-01T00:00:00.000Z') });
    const a = await store.ingest(preparedReport({ fingerprint: 'a'.repeat(32), traceback: PY }));
    const b = await store.ingest(preparedReport({ fingerprint: 'b'.repeat(32), traceback: PY_DEEPER }));
    const c = await store.ingest(preparedReport({ fingerprint: 'c'.repeat(32), traceback: PY }));
    const tracebacks = () => db.prepare<[], { error_id: number }>('SELECT error_id FROM error_tracebacks ORDER BY error_id').all().map((r) => r.error_id);
    expect(tracebacks()).toEqual([a.id, b.id, c.id]);

    db.prepare('DELETE FROM errors WHERE id = ?').run(a.id);
    expect(tracebacks()).toEqual([b.id, c.id]);

    await store.setResolved(b.id, true);
    const result = await store.cleanup({ resolvedBefore: '2026-02-01T00:00:00.000Z', hourlyCountsBefore: '2025-01-01T00:00:00Z' });
    expect(result.groupsDeleted).toBe(1);
    expect(tracebacks()).toEqual([c.id]);
    expect((await store.getError(c.id))!.error.traceback).toBe(PY);
    expect(db.pragma('foreign_key_check')).toEqual([]);
    store.close();
  });
});
