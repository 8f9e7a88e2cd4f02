// Migration 006: the ring of occurrences as a rowid table: rows kept whole on their page, data moved, deleted with the group.
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
  dir = mkdtempSync(join(tmpdir(), 'et-ring-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** Pages of a table or index that only hold the spill of rows too long for their leaf. */
const overflowPages = (db: Db, name: string) =>
  (db.prepare("SELECT count(*) AS n FROM dbstat WHERE name = ? AND pagetype = 'overflow'").get(name) as { n: number }).n;

/** An occurrence as big as a browser's headers and an application's extra make it. */
const heavy = (i: number) =>
  preparedReport({
    fingerprint: `g${String(i % 20).padStart(31, '0')}`,
    timestamp: new Date(Date.UTC(2026, 0, 1) + i).toISOString(),
    requestHeaders: { 'user-agent': 'Mozilla/5.0 '.repeat(40), accept: 'text/html,'.repeat(30) },
    extra: { i, state: 'z'.repeat(1500) },
    userId: `u${i}`,
  });

describe('migration 006', () => {
  it('moves the ring of a database written through 005 and keeps it readable, newest first', async () => {
    const db = openDatabase(join(dir, 'old.db'));
    migrate(db, loadMigrations().slice(0, 5));
    db.prepare(`
      INSERT INTO errors (fingerprint, project, exception_type, message, source, count, first_seen, last_seen)
      VALUES (?, 'shop', 'E', 'm', 'server', 7, '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:07.000Z')`).run('f'.repeat(32));
    db.prepare("INSERT INTO error_tracebacks (error_id, traceback) VALUES (1, '')").run();
    const ring = db.prepare(`
      INSERT INTO error_occurrences (error_id, slot, seq, timestamp, message, request_headers, user_id, extra)
      VALUES (1, ?, ?, ?, 'm', '{"a":"b"}', ?, '{"n":1}')`);
    // Seven reports: slots 0 and 1 were overwritten by the sixth and seventh.
    for (const [slot, seq] of [[0, 6], [1, 7], [2, 3], [3, 4], [4, 5]] as const) ring.run(slot, seq, `2026-01-01T00:00:0${seq}.000Z`, `u${seq}`);
    const before = db.prepare('SELECT * FROM error_occurrences ORDER BY error_id, slot').all();

    expect(migrate(db)).toContain(6);
    // Later migrations may add columns; every value the ring had is still there.
    expect(db.prepare('SELECT * FROM error_occurrences ORDER BY error_id, slot').all()).toEqual(before.map((row) => expect.objectContaining(row)));
    expect(db.prepare("SELECT sql FROM sqlite_master WHERE name = 'error_occurrences'").get()).not.toMatchObject({ sql: expect.stringMatching(/WITHOUT ROWID/i) });
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    expect(db.pragma('foreign_key_check')).toEqual([]);

    const store = createSqliteStore(db);
    expect((await store.getError(1))!.occurrences.map((o) => o.userId)).toEqual(['u7', 'u6', 'u5', 'u4', 'u3']);
    const next = await store.ingest(preparedReport({ userId: 'u8', timestamp: '2026-01-01T00:00:08.000Z' }));
    expect(next.count).toBe(8);
    expect((await store.getError(1))!.occurrences.map((o) => o.userId)).toEqual(['u8', 'u7', 'u6', 'u5', 'u4']);
    db.prepare('DELETE FROM errors WHERE id = 1').run();
    expect(db.prepare('SELECT count(*) AS n FROM error_occurrences').get()).toEqual({ n: 0 });
    store.close();
  });
});

describe('the ring of occurrences', () => {
  it('keeps each 2-3 KB occurrence whole on its leaf page: overwriting a slot spills nothing to overflow pages', async () => {
    const db = openDatabase(join(dir, 'a.db'));
    migrate(db);
    const store = createSqliteStore(db);
    for (let i = 0; i < 400; i += 50) await Promise.all(Array.from({ length: 50 }, (_, k) => store.ingest(heavy(i + k))));
    const [sample] = db.prepare('SELECT length(request_headers) + length(extra) AS bytes FROM error_occurrences LIMIT 1').all() as { bytes: number }[];
    expect(sample!.bytes).toBeGreaterThan(2000);
    expect(db.prepare('SELECT count(*) AS n FROM error_occurrences').get()).toEqual({ n: 100 });
    expect(overflowPages(db, 'error_occurrences')).toBe(0);
    expect((await store.getError(1))!.occurrences.map((o) => o.userId)).toEqual(['u380', 'u360', 'u340', 'u320', 'u300']);
    store.close();
  });
});
