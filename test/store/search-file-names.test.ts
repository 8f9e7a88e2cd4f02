// Search covers the crash frame's file: the trigram index gains the column (migration 009), backfilled and kept in step.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadMigrations, migrate } from '../../src/store/sqlite/migrate.js';
import { openDatabase } from '../../src/store/sqlite/open-database.js';
import { createSqliteStore } from '../../src/store/sqlite/index.js';
import { listSql } from '../../src/store/sqlite/list-sql.js';
import { auth, buildTestApp, preparedReport, report } from '../helper.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'et-search-file-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** The migration that adds the file to the index: the first whose SQL creates errors_fts with a file column. */
const fileIndexVersion = () => loadMigrations().find((m) => /CREATE VIRTUAL TABLE errors_fts[^;]*\bfile\b/i.test(m.sql))!.version;

describe('search by file name', () => {
  it('finds a group by its crash frame file, path or URL, any part of it, short terms too; with other filters', async () => {
    const db = openDatabase(join(dir, 'a.db'));
    migrate(db);
    const store = createSqliteStore(db);
    const py = await store.ingest(preparedReport({ fingerprint: '1'.repeat(32), exceptionType: 'KeyError', message: 'user', file: '/srv/shop/orders/checkout.py', line: 42 }));
    const js = await store.ingest(preparedReport({ fingerprint: '2'.repeat(32), exceptionType: 'TypeError', message: 'x is undefined', file: 'https://shop.example.com/static/js/main.4f3a2b.js', line: 1, source: 'browser' }));
    await store.ingest(preparedReport({ fingerprint: '3'.repeat(32), exceptionType: 'ValueError', message: 'bad input', file: '/srv/blog/feed.py' }));
    const ids = async (search: string, filters = {}) => (await store.listErrors({ search, limit: 50, offset: 0, ...filters })).errors.map((e) => e.id);
    expect(await ids('checkout.py')).toEqual([py.id]);
    expect(await ids('orders/CHECKOUT')).toEqual([py.id]);
    expect(await ids('main.4f3a2b')).toEqual([js.id]);
    expect(await ids('shop.example.com/static')).toEqual([js.id]);
    expect(await ids('.py').then((a) => a.length)).toBe(2);
    // Under three characters the search falls back to LIKE, which covers the file as well.
    expect(await ids('js')).toEqual([js.id]);
    expect(await ids('checkout.py', { source: 'server', resolved: false })).toEqual([py.id]);
    expect(await ids('checkout.py', { source: 'browser' })).toEqual([]);
    // The type and the message are still searched.
    expect(await ids('x is undef')).toEqual([js.id]);
    store.close();
  });

  it('the migration indexes the files of groups written before it, and the index follows deletes', async () => {
    const db = openDatabase(join(dir, 'b.db'));
    const version = fileIndexVersion();
    migrate(db, loadMigrations().slice(0, version - 1));
    const old = db
      .prepare(`
        INSERT INTO errors (fingerprint, project, exception_type, message, file, line, source, first_seen, last_seen)
        VALUES (?, 'shop', 'E', 'boom', '/srv/legacy/billing_job.py', 7, 'server', '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z')
        RETURNING id`)
      .get('f'.repeat(32)) as { id: number };
    expect(migrate(db)).toContain(version);
    const store = createSqliteStore(db);
    expect((await store.listErrors({ search: 'billing_job', limit: 50, offset: 0 })).errors.map((e) => e.id)).toEqual([old.id]);
    expect((await store.listErrors({ search: 'boom', limit: 50, offset: 0 })).total).toBe(1);
    db.prepare('DELETE FROM errors WHERE id = ?').run(old.id);
    expect((await store.listErrors({ search: 'billing_job', limit: 50, offset: 0 })).total).toBe(0);
    expect(() => db.prepare("INSERT INTO errors_fts (errors_fts) VALUES ('integrity-check')").run()).not.toThrow();
    store.close();
  });

  it('still reads the trigram index, not the rows', () => {
    const db = openDatabase(':memory:');
    migrate(db);
    const plan = (sql: string) =>
      db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all({ project: 'p', resolved: 0, source: 'server', pattern: '%x%', match: '"xyz"', limit: 50, offset: 0 }).map((r) => (r as { detail: string }).detail).join(' | ');
    expect(plan(listSql({ search: 'checkout.py', resolved: false }, 'rows'))).toMatch(/SCAN errors_fts VIRTUAL TABLE/);
    expect(plan(listSql({ search: 'checkout.py' }, 'probe'))).toMatch(/errors_fts VIRTUAL TABLE/);
    db.close();
  });

  it('through the API: ?search= matches the crash frame file of a native report', async () => {
    const t = await buildTestApp();
    try {
      const posted = await t.app.inject({
        method: 'POST',
        url: '/api/errors',
        headers: auth,
        payload: report({ exception_type: 'ZeroDivisionError', message: 'division by zero', traceback: 'Traceback (most recent call last):\n  File "/srv/shop/pricing/discounts.py", line 88, in apply\n    return total / count\nZeroDivisionError: division by zero\n' }),
      });
      expect(posted.statusCode).toBeLessThan(300);
      const res = await t.app.inject({ url: '/api/errors?search=pricing/discounts', headers: auth });
      expect(res.json()).toMatchObject({ total: 1, errors: [{ file: '/srv/shop/pricing/discounts.py' }] });
    } finally {
      await t.close();
    }
  });
});
