// Migration 004: the trigram search index (backfilled, kept in step with the groups) and list plans that match their filters.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadMigrations, migrate } from '../../src/store/sqlite/migrate.js';
import { openDatabase, type Db } from '../../src/store/sqlite/open-database.js';
import { createSqliteStore } from '../../src/store/sqlite/index.js';
import { listSql } from '../../src/store/sqlite/list-sql.js';
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

describe('search for a common term', () => {
  it('finds the count and the page in one pass, exact, newest first, with every filter and past the end', async () => {
    const db = openDatabase(join(dir, 'c.db'));
    migrate(db);
    const store = createSqliteStore(db);
    // 2,500 groups, 2,250 of them with the term: more than the few a search reads and sorts.
    const groups = 2_500;
    const model: Array<{ id: number; lastSeen: string; project: string; resolved: boolean; matches: boolean }> = [];
    for (let i = 0; i < groups; i += 500) {
      const batch = Array.from({ length: 500 }, (_, k) => {
        const n = i + k;
        return preparedReport({
          fingerprint: `s${String(n).padStart(31, '0')}`,
          project: n % 2 === 0 ? 'a' : 'b',
          exceptionType: n % 10 === 0 ? 'KeyError' : 'TimeoutError',
          message: n % 10 === 0 ? `missing key ${n}` : `upstream timed out after ${n} ms`,
          // Not in id order, so the sort is tested, not the insertion order.
          timestamp: new Date(Date.UTC(2026, 0, 1) + ((n * 7919) % groups) * 1000).toISOString(),
        });
      });
      const results = await Promise.all(batch.map((r) => store.ingest(r)));
      results.forEach((r, k) => model.push({ id: r.id, lastSeen: batch[k]!.timestamp, project: batch[k]!.project, resolved: false, matches: (i + k) % 10 !== 0 }));
    }
    for (const g of model) {
      if (g.id % 3 === 0) {
        await store.setResolved(g.id, true);
        g.resolved = true;
      }
    }
    const expected = (filter: (g: (typeof model)[number]) => boolean, offset: number, limit: number) => {
      const all = model.filter((g) => g.matches && filter(g)).sort((x, y) => (x.lastSeen === y.lastSeen ? y.id - x.id : x.lastSeen < y.lastSeen ? 1 : -1));
      return { total: all.length, ids: all.slice(offset, offset + limit).map((g) => g.id) };
    };
    const actual = async (q: Omit<Parameters<typeof store.listErrors>[0], 'search'>) => {
      const r = await store.listErrors({ search: 'TIMEOUT', ...q });
      return { total: r.total, ids: r.errors.map((e) => e.id) };
    };
    expect(expected(() => true, 0, 50).total).toBeGreaterThan(2_000);
    expect(await actual({ limit: 50, offset: 0 })).toEqual(expected(() => true, 0, 50));
    expect(await actual({ limit: 25, offset: 2_000 })).toEqual(expected(() => true, 2_000, 25));
    expect(await actual({ limit: 50, offset: 5_000 })).toEqual({ total: 2_250, ids: [] });
    expect(await actual({ project: 'a', limit: 50, offset: 100 })).toEqual(expected((g) => g.project === 'a', 100, 50));
    expect(await actual({ resolved: false, limit: 50, offset: 0 })).toEqual(expected((g) => !g.resolved, 0, 50));
    expect(await actual({ project: 'b', resolved: true, limit: 200, offset: 0 })).toEqual(expected((g) => g.project === 'b' && g.resolved, 0, 200));
    expect(await actual({ project: 'nope', limit: 50, offset: 0 })).toEqual({ total: 0, ids: [] });
    // A term in few groups (250), with filters: read by id and sorted.
    const fewExpected = (filter: (g: (typeof model)[number]) => boolean, offset: number, limit: number) => {
      const all = model.filter((g) => !g.matches && filter(g)).sort((x, y) => (x.lastSeen === y.lastSeen ? y.id - x.id : x.lastSeen < y.lastSeen ? 1 : -1));
      return { total: all.length, ids: all.slice(offset, offset + limit).map((g) => g.id) };
    };
    const fewActual = async (q: Omit<Parameters<typeof store.listErrors>[0], 'search'>) => {
      const r = await store.listErrors({ search: 'Missing Key', ...q });
      return { total: r.total, ids: r.errors.map((e) => e.id) };
    };
    expect(await fewActual({ limit: 20, offset: 30 })).toEqual(fewExpected(() => true, 30, 20));
    expect(await fewActual({ resolved: false, limit: 50, offset: 10 })).toEqual(fewExpected((g) => !g.resolved, 10, 50));
    expect(await fewActual({ project: 'a', resolved: true, limit: 200, offset: 0 })).toEqual(fewExpected((g) => g.project === 'a' && g.resolved, 0, 200));
    store.close();
  });

  it('stays exact when the matching groups are spread over a wide range of ids', async () => {
    const db = openDatabase(join(dir, 'w.db'));
    migrate(db);
    const store = createSqliteStore(db);
    const ingestMany = (from: number, n: number) =>
      Promise.all(
        Array.from({ length: n }, (_, k) =>
          store.ingest(
            preparedReport({
              fingerprint: `w${String(from + k).padStart(31, '0')}`,
              message: `disk quota exceeded on volume ${from + k}`,
              timestamp: new Date(Date.UTC(2026, 0, 1) + ((from + k) * 7919 % 5_000) * 1000).toISOString(),
            }),
          ),
        ),
      );
    const early = await ingestMany(0, 1_100);
    // A group with an id tens of millions on: groups made after it are numbered from there, so the
    // matches span a range far wider than their number (ids of a long-lived database).
    db.prepare(`INSERT INTO errors (id, fingerprint, project, exception_type, message, source, first_seen, last_seen)
      VALUES (40000000, 'far', 'other', 'Other', 'unrelated', 'server', '2025-01-01T00:00:00.000Z', '2025-01-01T00:00:00.000Z')`).run();
    const late = await ingestMany(1_100, 1_100);
    expect(late[0]!.id).toBeGreaterThan(40_000_000);
    const model = [...early, ...late].map((r, k) => ({ id: r.id, lastSeen: new Date(Date.UTC(2026, 0, 1) + (k * 7919 % 5_000) * 1000).toISOString() }));
    const sorted = model.sort((x, y) => (x.lastSeen === y.lastSeen ? y.id - x.id : x.lastSeen < y.lastSeen ? 1 : -1)).map((g) => g.id);
    for (const [offset, limit] of [[0, 50], [1_500, 100], [2_150, 200]] as const) {
      const page = await store.listErrors({ search: 'QUOTA', limit, offset });
      expect(page.total).toBe(2_200);
      expect(page.errors.map((e) => e.id)).toEqual(sorted.slice(offset, offset + limit));
    }
    store.close();
  });
});

describe('list query plans', () => {
  it('use the trigram index for search, and covering indexes for the counts of every filter', () => {
    const db = openDatabase(':memory:');
    migrate(db);
    // A search with other filters (a search alone reads the index once in the store, searchPage).
    const searched = { search: 'timeout', project: 'p' };
    expect(plan(db, listSql(searched, 'rows'))).toMatch(/errors_fts VIRTUAL TABLE/);
    expect(plan(db, listSql(searched, 'rows'))).not.toMatch(/TEMP B-TREE/);
    // The matches are found once for the count and the page.
    expect(plan(db, listSql(searched, 'rows')).match(/SCAN errors_fts VIRTUAL TABLE/g)).toHaveLength(1);
    expect(plan(db, listSql({ search: 'timeout', resolved: false }, 'rows')).match(/SCAN errors_fts VIRTUAL TABLE/g)).toHaveLength(1);
    // Few matches are looked up one by one, never by walking a filter's index.
    for (const q of [searched, { search: 'timeout', resolved: false }, { search: 'timeout', source: 'browser' as const, resolved: true }]) {
      expect(plan(db, listSql(q, 'few')), JSON.stringify(q)).toMatch(/^SCAN errors_fts VIRTUAL TABLE[^|]* \| SEARCH errors USING INTEGER PRIMARY KEY/);
      expect(plan(db, listSql(q, 'count')), JSON.stringify(q)).toMatch(/^SCAN errors_fts VIRTUAL TABLE[^|]* \| SEARCH errors USING INTEGER PRIMARY KEY[^|]*$/);
    }
    expect(plan(db, listSql(searched, 'probe'))).toMatch(/errors_fts VIRTUAL TABLE/);
    // Without a search, totals come from the per-filter counts (migration 007), never from the groups.
    for (const q of [{}, { resolved: false }, { project: 'p', resolved: false }, { project: 'p' }, { resolved: true }, { source: 'browser' as const }]) {
      expect(plan(db, listSql(q, 'count')), JSON.stringify(q)).toMatch(/error_group_counts/);
      expect(plan(db, listSql(q, 'count')), JSON.stringify(q)).not.toMatch(/\berrors\b/);
    }
    // Short terms (no trigram) still count the groups they match.
    expect(plan(db, listSql({ resolved: false, search: 'ab' }, 'count'))).toMatch(/\berrors\b/);
    for (const q of [{}, { project: 'p' }, { resolved: false }, { source: 'server' as const }]) {
      expect(plan(db, listSql(q, 'rows')), JSON.stringify(q)).not.toMatch(/TEMP B-TREE/);
    }
    db.close();
  });

  it('walk the sort index under a status filter, with the statistics of a real database', () => {
    const db = openDatabase(':memory:');
    migrate(db);
    const insert = db.prepare(`INSERT INTO errors (fingerprint, project, exception_type, message, source, count, first_seen, last_seen, resolved, users)
      VALUES (?, ?, 'E', 'm', ?, ?, ?, ?, ?, ?)`);
    db.transaction(() => {
      for (let g = 1; g <= 3_000; g++) {
        const at = new Date(Date.UTC(2026, 0, 1) + g * 60_000).toISOString();
        insert.run(g.toString(16).padStart(32, '0'), `p${g % 20}`, g % 5 ? 'server' : 'browser', 1 + (g % 50), at, at, g % 3 === 0 ? 1 : 0, g % 7);
      }
    })();
    db.exec('ANALYZE');
    // Left to itself the planner read the status's groups through errors_resolved_source and sorted
    // them all (65,000 at 100,000 groups: 170 ms against 1 for sort=count).
    for (const sort of ['first_seen', 'count', 'users'] as const) {
      for (const status of ['unresolved', 'resolved', undefined] as const) {
        const q = { sort, status };
        expect(plan(db, listSql(q, 'rows')), JSON.stringify(q)).toMatch(new RegExp(`^SCAN errors USING INDEX errors_${sort}\\b`));
      }
    }
    db.close();
  });
});
