// The database grows with the number of groups, not reports: a ring of five occurrences per group, rewritten in place.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { migrate } from '../../src/store/sqlite/migrate.js';
import { openDatabase } from '../../src/store/sqlite/open-database.js';
import { createSqliteStore } from '../../src/store/sqlite/index.js';
import type { PreparedReport } from '../../src/store/types.js';
import { preparedReport } from '../helper.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'et-size-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const report = (i: number, groups: number): PreparedReport =>
  preparedReport({
    fingerprint: `g${String(i % groups).padStart(31, '0')}`,
    exceptionType: 'TypeError',
    message: `x is undefined (${i})`,
    traceback: 'TypeError: x is undefined\n    at f (/srv/app.js:1:1)',
    file: '/srv/app.js',
    line: 1,
    function: 'f',
    timestamp: new Date(Date.UTC(2026, 0, 1, 12) + i).toISOString(),
    requestUrl: 'https://shop.example.com/',
    requestMethod: 'GET',
    requestHeaders: { 'user-agent': 'x'.repeat(300) },
    userId: `u${i}`,
    extra: { i, padding: 'y'.repeat(1000) },
    release: '1.0.0',
    environment: 'production',
  });

describe('database size', () => {
  it('stays flat while the same groups receive ten times more reports, keeping the newest five of each', async () => {
    const groups = 40;
    const db = openDatabase(join(dir, 'a.db'));
    migrate(db);
    const store = createSqliteStore(db);
    const pages = () => {
      db.pragma('wal_checkpoint(TRUNCATE)');
      return db.pragma('page_count', { simple: true }) as number;
    };
    let sent = 0;
    const send = async (n: number) => {
      const batch = Array.from({ length: n }, () => report(sent++, groups));
      await Promise.all(batch.map((r) => store.ingest(r)));
    };
    // One report per group per commit: every message change reaches the search index, as in steady
    // traffic (a batch writes a group's latest message only), so its segments have settled. 25 rounds
    // also give each group more distinct users than a tag keeps values (20), so the tag counts are full.
    for (let round = 0; round < 25; round++) await send(groups);
    const before = pages();
    await send(3600);
    expect(pages()).toBeLessThanOrEqual(before + 2);
    expect(db.prepare('SELECT count(*) AS n FROM error_occurrences').get()).toEqual({ n: groups * 5 });
    const { occurrences, error } = (await store.getError(1))!;
    expect(error.count).toBe(115);
    // Group 0 got reports 0, 40, ..., 4560: the ring holds the last five, newest first.
    expect(occurrences.map((o) => o.userId)).toEqual(['u4560', 'u4520', 'u4480', 'u4440', 'u4400']);
    store.close();
  });

  it('reopens a resolved group on its next report and says so once; follows a change of source', async () => {
    const db = openDatabase(join(dir, 'b.db'));
    migrate(db);
    const store = createSqliteStore(db);
    const first = await store.ingest(report(0, 1));
    await store.setResolved(first.id, true);
    const again = await store.ingest(report(1, 1));
    const third = await store.ingest(report(2, 1));
    expect([again.regression, again.count, third.regression]).toEqual([true, 2, false]);
    expect((await store.getError(first.id))!.error).toMatchObject({ resolved: false, resolvedAt: null, count: 3, source: 'server' });
    // The group follows its latest report's source, and the filter finds it there.
    await store.ingest({ ...report(3, 1), source: 'browser' });
    expect((await store.getError(first.id))!.error.source).toBe('browser');
    expect((await store.listErrors({ source: 'browser', resolved: false, limit: 5, offset: 0 })).total).toBe(1);
    store.close();
  });
});
