// Two PostgreSQL stores on separate pools (two instances, as far as the database can tell): event-id dedup, tags, quotas and the alert throttle exact across them.
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { openPgStores, type PgStores } from '../../src/store/pg/index.js';
import { RETENTION_LOCK } from '../../src/store/pg/retention.js';
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
