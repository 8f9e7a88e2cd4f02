// Two PostgreSQL stores on separate pools (two instances, as far as the database can tell): event-id dedup, tags, quotas, users affected and wake-ups exact across them.
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { openPgStores, type PgStores } from '../../src/store/pg/index.js';
import { RETENTION_LOCK } from '../../src/store/pg/retention.js';
import { hashUser, UsersSketch } from '../../src/store/users-sketch.js';
import { preparedReport } from '../helper.js';
import { createDatabase } from './postgres-server.js';

let a: PgStores;
let b: PgStores;
beforeAll(async () => {
  const url = await createDatabase(inject('pgAdminUrl'), { migrated: true });
  [a, b] = [openPgStores(url, { max: 4 }), openPgStores(url, { max: 4 })];
});
afterAll(async () => {
  await Promise.all([a.store.end(), b.store.end()]);
});

it('stores an event resent to both instances once, and counts tags exactly', async () => {
  const ids = Array.from({ length: 50 }, (_, i) => i.toString(16).padStart(32, '0'));
  // Every id sent to both at once, plus distinct tag values beyond the cap from both sides.
  const results = await Promise.all(
    ids.flatMap((id, i) => [a, b].map((s) => s.store.ingestEvent(preparedReport({ fingerprint: 'd'.repeat(32), release: `r${i % 30}`, details: { tags: { side: 'x' } } as never }), id))),
  );
  expect(results.filter((r) => r !== null)).toHaveLength(50);
  expect(results.filter((r) => r?.created)).toHaveLength(1);
  const got = (await a.store.getError(results.find((r) => r)!.id))!;
  expect(got.error.count).toBe(50);
  const release = got.tags.find((t) => t.key === 'release')!;
  expect(release.total).toBe(50);
  expect(release.values).toHaveLength(20);
  expect(release.values.reduce((n, v) => n + v.count, 0) + release.other).toBe(50);
  expect(got.tags.find((t) => t.key === 'side')?.values).toEqual([{ value: 'x', count: 50 }]);
  expect(got.occurrences).toHaveLength(5);
});

it('admits exactly the quota across instances', async () => {
  const limits = { perMinute: 37, perHour: 0 };
  const nowMs = Date.parse('2026-03-01T12:00:30.000Z');
  const answers = await Promise.all(Array.from({ length: 100 }, (_, i) => (i % 2 ? a : b).quotaCounter.admit('quota', limits, nowMs)));
  expect(answers.filter((x) => x.ok)).toHaveLength(37);
  expect(answers.find((x) => !x.ok)).toMatchObject({ ok: false, window: 'minute', retryAfterSeconds: 30 });
  // The next minute has room again.
  expect(await a.quotaCounter.admit('quota', limits, nowMs + 60_000)).toEqual({ ok: true });
});

it('cleans up on one instance at a time: while another holds the retention lock, a cleanup skips its turn', async () => {
  const r = await a.store.ingest(preparedReport({ fingerprint: 'c'.repeat(32), project: 'retained' }));
  await a.store.setResolved(r.id, true);
  const policy = { resolvedBefore: '2999-01-01T00:00:00.000Z', hourlyCountsBefore: '2000-01-01T00:00:00Z' };
  const holder = await b.pool.connect();
  try {
    await holder.query('SELECT pg_advisory_lock($1)', [RETENTION_LOCK]);
    expect(await a.store.cleanup(policy)).toEqual({ groupsDeleted: 0, hourlyCountsDeleted: 0, pagesFreed: 0 });
    expect(await a.store.getError(r.id)).not.toBeNull();
    await holder.query('SELECT pg_advisory_unlock($1)', [RETENTION_LOCK]);
  } finally {
    holder.release();
  }
  expect((await a.store.cleanup(policy)).groupsDeleted).toBeGreaterThanOrEqual(1);
  expect(await a.store.getError(r.id)).toBeNull();
});

it('counts users exactly across instances: the same and different users sent to both, below and past the exact cap', { timeout: 60_000 }, async () => {
  const send = (s: PgStores, fingerprint: string, from: number, to: number) =>
    Promise.all(Array.from({ length: to - from }, (_, i) => s.store.ingest(preparedReport({ fingerprint, project: 'users', details: { user: { id: `user-${from + i}` } } as never }))));
  // 0-149 on A, 100-249 on B, at once: 250 distinct users, 50 of them on both.
  const [small] = await Promise.all([send(a, 'e'.repeat(32), 0, 150), send(b, 'e'.repeat(32), 100, 250)]);
  const id = small[0]!.id;
  expect((await b.store.getError(id))!.users).toEqual({ total: 250, last24h: 250, exact: true });
  expect((await a.store.listErrors({ project: 'users', limit: 1, offset: 0 })).errors[0]!.users).toBe(250);

  // Past the cap: 0-1999 on A and 1000-2999 on B, in rounds sent to both at once.
  for (let from = 0; from < 2_000; from += 250) await Promise.all([send(a, '7'.repeat(32), from, from + 250), send(b, '7'.repeat(32), 1_000 + from, 1_250 + from)]);
  const big = (await a.store.listErrors({ project: 'users', sort: 'users', limit: 1, offset: 0 })).errors[0]!;
  const users = (await a.store.getError(big.id))!.users;
  // Exactly what one sketch fed the union gives: the merge (under the group's lock) lost nothing.
  const reference = new UsersSketch();
  for (let i = 0; i < 3_000; i++) reference.add(hashUser(`id:user-${i}`), 0);
  expect(users.exact).toBe(false);
  expect(users.total).toBe(reference.count());
  expect(big.users).toBe(reference.count());
  // Hashes only: no user id reaches the database.
  const { rows } = await a.pool.query<{ sketch: Buffer }>('SELECT sketch FROM error_users');
  expect(rows.length).toBe(2);
  for (const r of rows) expect(r.sketch.toString('latin1')).not.toContain('user-');
});

it('wakes an ignored group once when its condition is met by reports on both instances', async () => {
  const first = await a.store.ingest(preparedReport({ fingerprint: '9'.repeat(32), project: 'wake' }));
  await b.store.triage([first.id], { action: 'ignore', untilCount: 20 });
  const results = await Promise.all(Array.from({ length: 60 }, (_, i) => (i % 2 ? a : b).store.ingest(preparedReport({ fingerprint: '9'.repeat(32), project: 'wake' }))));
  expect(results.filter((r) => r.regression).map((r) => r.count)).toEqual([21]);
  expect((await a.store.getError(first.id))!.error).toMatchObject({ status: 'unresolved', count: 61 });
});

it('keeps the per-status counts and the search filters true while two instances triage and ingest the same groups', { timeout: 60_000 }, async () => {
  const fps = Array.from({ length: 8 }, (_, i) => `a${String(i).repeat(31)}`);
  const created = await Promise.all(fps.map((f) => a.store.ingest(preparedReport({ fingerprint: f, project: 'race', message: 'race condition' }))));
  const ids = created.map((r) => r.id);
  const actions = [{ action: 'resolve' }, { action: 'ignore', untilCount: 3 }, { action: 'reopen' }, { action: 'resolve' }] as const;
  await Promise.all([
    ...Array.from({ length: 80 }, (_, i) => (i % 2 ? a : b).store.ingest(preparedReport({ fingerprint: fps[i % fps.length]!, project: 'race', message: 'race condition' }))),
    ...Array.from({ length: 12 }, (_, i) => (i % 2 ? b : a).store.triage(i % 3 ? ids.slice(0, 5) : ids.slice(3), actions[i % actions.length]!)),
  ]);
  const { rows: counted } = await a.pool.query<{ resolved: boolean; ignored: boolean; n: number }>(
    "SELECT resolved, ignored, count(*)::int AS n FROM errors WHERE project = 'race' GROUP BY 1, 2 ORDER BY 1, 2",
  );
  const { rows: kept } = await a.pool.query<{ resolved: boolean; ignored: boolean; n: number }>(
    "SELECT resolved, ignored, sum(groups)::int AS n FROM error_group_counts WHERE project = 'race' GROUP BY 1, 2 HAVING sum(groups) > 0 ORDER BY 1, 2",
  );
  expect(kept).toEqual(counted);
  const { rows: astray } = await a.pool.query('SELECT e.id FROM errors e JOIN error_search s ON s.error_id = e.id WHERE s.resolved <> e.resolved OR s.ignored <> e.ignored OR s.source <> e.source');
  expect(astray).toEqual([]);
  for (const status of ['unresolved', 'resolved', 'ignored'] as const) {
    const listed = await b.store.listErrors({ project: 'race', status, search: 'race cond', limit: 50, offset: 0 });
    expect(listed.total).toBe(counted.filter((r) => (status === 'ignored' ? r.ignored : !r.ignored && r.resolved === (status === 'resolved'))).reduce((n, r) => n + r.n, 0));
  }
  expect((await a.store.getError(ids[0]!))!.error.count).toBe(11);
});
