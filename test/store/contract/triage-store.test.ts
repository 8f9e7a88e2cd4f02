// Triage's store contract on both backends: first release, wake-ups once under concurrent reports, status totals and sorts, users exact and estimated, release activity.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { hashUser, USERS_EXACT_CAP, USERS_STANDARD_ERROR, UsersSketch } from '../../../src/store/users-sketch.js';
import type { PreparedReport } from '../../../src/store/types.js';
import { preparedReport } from '../../helper.js';
import { BACKENDS, openBackend, type Backend } from './backends.js';

const T0 = '2026-03-01T12:00:00.000Z';
const fp = (n: number) => n.toString(16).padStart(32, '0');
const user = (id: string) => ({ user: { id } }) as never;

describe.each(BACKENDS)('triage store contract on %s', (name) => {
  let b: Backend;
  const clock = { now: new Date(T0) };
  beforeEach(async () => {
    clock.now = new Date(T0);
    b = await openBackend(name, () => new Date(clock.now));
  });
  afterEach(() => b.close());

  const all = (reports: PreparedReport[]) => Promise.all(reports.map((r) => b.store.ingest(r)));
  const group = async (id: number) => (await b.store.getError(id))!;
  const list = async (q: Record<string, unknown>) => b.store.listErrors({ limit: 50, offset: 0, ...q });

  it('keeps the first release that named the group, and records releases named by events', async () => {
    const r = await b.store.ingest(preparedReport());
    expect((await group(r.id)).error.firstRelease).toBeNull();
    await b.store.ingest(preparedReport({ release: 'a' }));
    await b.store.ingest(preparedReport({ release: 'b' }));
    const g = (await group(r.id)).error;
    expect(g).toMatchObject({ firstRelease: 'a', release: 'b' });
    expect((await b.releaseStore.listReleaseRecords('shop', 10)).map((x) => [x.version, x.createdBy]).sort()).toEqual([
      ['a', 'event'],
      ['b', 'event'],
    ]);
    // A new group of one batch: its first report with a release sets it.
    const [n] = await all([preparedReport({ fingerprint: fp(2) }), preparedReport({ fingerprint: fp(2), release: 'c' }), preparedReport({ fingerprint: fp(2), release: 'd' })]);
    expect((await group(n!.id)).error.firstRelease).toMatch(/^[cd]$/);
  });

  it('wakes an ignored group once on each condition, however many reports arrive together', async () => {
    const byCount = await b.store.ingest(preparedReport({ fingerprint: fp(1) }));
    const byTime = await b.store.ingest(preparedReport({ fingerprint: fp(2) }));
    const byUsers = await b.store.ingest(preparedReport({ fingerprint: fp(3), details: user('u0') }));
    const forever = await b.store.ingest(preparedReport({ fingerprint: fp(4) }));
    expect(await b.store.triage([byCount.id], { action: 'ignore', untilCount: 5 })).toEqual({ ok: true, changed: [byCount.id], missing: [] });
    await b.store.triage([byTime.id], { action: 'ignore', until: '2026-03-01T13:00:00.000Z' });
    await b.store.triage([byUsers.id], { action: 'ignore', untilUsers: 3 });
    await b.store.triage([forever.id], { action: 'ignore' });
    expect((await group(byCount.id)).error).toMatchObject({ status: 'ignored', ignore: { untilCount: 6 } });
    expect((await group(byUsers.id)).error.ignore).toEqual({ untilUsers: 4 });

    // Not yet: four more of byCount, the time not reached, two new users and repeats.
    const quiet = await all([
      ...Array.from({ length: 4 }, () => preparedReport({ fingerprint: fp(1) })),
      ...Array.from({ length: 3 }, () => preparedReport({ fingerprint: fp(2) })),
      ...['u0', 'u1', 'u2', 'u1'].map((u) => preparedReport({ fingerprint: fp(3), details: user(u) })),
      ...Array.from({ length: 5 }, () => preparedReport({ fingerprint: fp(4) })),
    ]);
    expect(quiet.filter((r) => r.regression)).toEqual([]);
    expect((await list({ status: 'ignored' })).total).toBe(4);

    clock.now = new Date('2026-03-01T13:00:00.000Z');
    const woke = await all([
      ...Array.from({ length: 6 }, () => preparedReport({ fingerprint: fp(1) })),
      ...Array.from({ length: 6 }, () => preparedReport({ fingerprint: fp(2) })),
      ...['u3', 'u4', 'u5', 'u6', 'u7', 'u8'].map((u) => preparedReport({ fingerprint: fp(3), details: user(u) })),
      ...Array.from({ length: 6 }, () => preparedReport({ fingerprint: fp(4) })),
    ]);
    const regressions = woke.filter((r) => r.regression).map((r) => r.id);
    expect(regressions.sort()).toEqual([byCount.id, byTime.id, byUsers.id].sort());
    // The count condition wakes on the report that reaches it.
    expect(woke.find((r) => r.id === byCount.id && r.regression)!.count).toBe(6);
    for (const id of [byCount.id, byTime.id, byUsers.id]) expect((await group(id)).error).toMatchObject({ status: 'unresolved', ignore: null });
    expect((await group(forever.id)).error.status).toBe('ignored');
    // Once: more reports are ordinary occurrences.
    const after = await all(Array.from({ length: 6 }, (_, i) => preparedReport({ fingerprint: fp(1 + (i % 3)), details: user(`v${i}`) })));
    expect(after.filter((r) => r.regression)).toEqual([]);
  });

  it('resolves in the next release: reopened once, by a newer release only, counted on that release', async () => {
    const r = await b.store.ingest(preparedReport({ release: '1.0.0' }));
    clock.now = new Date(Date.parse(T0) + 60_000);
    await b.store.ingest(preparedReport({ release: '1.1.0' }));
    expect(await b.store.triage([r.id, 9_999], { action: 'resolve', inRelease: 'next' })).toEqual({ ok: true, changed: [r.id], missing: [9_999] });
    expect((await group(r.id)).error).toMatchObject({ status: 'resolved', resolvedIn: '1.1.0', resolved: true });
    const older = await all(['1.1.0', '1.0.0', '1.0.5', null].map((release) => preparedReport({ release })));
    expect(older.filter((x) => x.regression)).toEqual([]);
    expect((await group(r.id)).error.status).toBe('resolved');
    const newer = await all(Array.from({ length: 5 }, () => preparedReport({ release: '1.2.0' })));
    expect(newer.filter((x) => x.regression)).toHaveLength(1);
    expect((await group(r.id)).error).toMatchObject({ status: 'unresolved', resolvedIn: null });
    const activity = await b.store.releaseActivity('shop', ['1.0.0', '1.1.0', '1.2.0', 'none']);
    expect(activity.get('1.2.0')).toEqual({ newGroups: 0, events: 5, regressions: 1 });
    expect(activity.get('1.0.0')).toEqual({ newGroups: 1, events: 2, regressions: 0 });
    expect(activity.get('1.1.0')).toEqual({ newGroups: 0, events: 2, regressions: 0 });
    expect(activity.get('none')).toEqual({ newGroups: 0, events: 0, regressions: 0 });
  });

  it('triages many groups all or nothing: a refusal for one project changes none', async () => {
    const a = await b.store.ingest(preparedReport({ release: 'r1' }));
    const c = await b.store.ingest(preparedReport({ project: 'other', fingerprint: fp(8) }));
    expect(await b.store.triage([a.id, c.id], { action: 'resolve', inRelease: 'r1' })).toEqual({ ok: false, reason: 'unknown_release', project: 'other' });
    expect(await b.store.triage([a.id, c.id], { action: 'resolve', inRelease: 'next' })).toEqual({ ok: false, reason: 'no_release', project: 'other' });
    expect((await group(a.id)).error.status).toBe('unresolved');
    expect(await b.store.triage([404, 405], { action: 'reopen' })).toEqual({ ok: true, changed: [], missing: [404, 405] });
    expect(await b.store.triage([c.id, a.id, 404], { action: 'ignore', untilCount: 2 })).toEqual({ ok: true, changed: [c.id, a.id], missing: [404] });
    expect((await list({ status: 'ignored' })).errors.map((e) => e.id).sort()).toEqual([a.id, c.id].sort());
    expect(await b.store.setResolved(a.id, true)).toBe(true);
    expect((await group(a.id)).error).toMatchObject({ status: 'resolved', ignore: null });
  });

  it('filters by status with exact totals, hides ignored groups by default, and sorts each way', async () => {
    // fp(1): oldest, most reports; fp(2): most users; fp(3): newest first seen; fp(4) resolved, fp(5) ignored.
    await all(Array.from({ length: 6 }, (_, i) => preparedReport({ fingerprint: fp(1), message: 'alpha one', timestamp: `2026-03-01T10:0${i}:00.000Z` })));
    await all(['u1', 'u2', 'u3'].map((u, i) => preparedReport({ fingerprint: fp(2), message: 'alpha two', timestamp: `2026-03-01T10:1${i}:00.000Z`, details: user(u) })));
    await b.store.ingest(preparedReport({ fingerprint: fp(3), message: 'beta three', timestamp: '2026-03-01T10:30:00.000Z' }));
    const resolved = await b.store.ingest(preparedReport({ fingerprint: fp(4), message: 'alpha four', project: 'api', timestamp: '2026-03-01T09:00:00.000Z' }));
    const ignored = await b.store.ingest(preparedReport({ fingerprint: fp(5), message: 'alpha five', timestamp: '2026-03-01T11:00:00.000Z' }));
    await b.store.triage([resolved.id], { action: 'resolve' });
    await b.store.triage([ignored.id], { action: 'ignore' });
    // SQLite writes the users figure the list sorts by within 30 s, in a later commit.
    clock.now = new Date(Date.parse(T0) + 31_000);
    await b.store.ingest(preparedReport({ fingerprint: fp(3), message: 'beta three', timestamp: '2026-03-01T10:30:00.000Z', source: 'browser' }));
    const fps = async (q: Record<string, unknown>) => (await list(q)).errors.map((e) => e.fingerprint);

    expect(await fps({})).toEqual([fp(3), fp(2), fp(1), fp(4)]);
    expect(await fps({ sort: 'first_seen' })).toEqual([fp(3), fp(2), fp(1), fp(4)]);
    expect(await fps({ sort: 'count' })).toEqual([fp(1), fp(2), fp(3), fp(4)]);
    expect(await fps({ sort: 'users' })).toEqual([fp(2), fp(4), fp(3), fp(1)]);
    expect(await fps({ status: 'all', sort: 'last_seen' })).toEqual([fp(5), fp(3), fp(2), fp(1), fp(4)]);
    const totals = async (q: Record<string, unknown>) => (await list({ ...q, limit: 1 })).total;
    expect(await totals({})).toBe(4);
    expect(await totals({ status: 'all' })).toBe(5);
    expect(await totals({ status: 'unresolved' })).toBe(3);
    expect(await totals({ status: 'resolved' })).toBe(1);
    expect(await totals({ status: 'ignored' })).toBe(1);
    expect(await totals({ status: 'unresolved', project: 'api' })).toBe(0);
    expect(await totals({ status: 'resolved', project: 'api', sort: 'count' })).toBe(1);
    // A search alone: the ignored match counted only when asked for.
    expect(await totals({ search: 'alpha' })).toBe(3);
    expect(await totals({ search: 'alpha', status: 'all' })).toBe(4);
    expect(await totals({ search: 'alpha', status: 'ignored' })).toBe(1);
    expect(await fps({ search: 'alpha', sort: 'count', status: 'unresolved' })).toEqual([fp(1), fp(2)]);
    // Filters that changed after the group was created (its source, its status) count under a search too.
    expect(await totals({ search: 'beta', source: 'browser' })).toBe(1);
    expect(await totals({ search: 'beta', source: 'server' })).toBe(0);
    expect(await totals({ search: 'four', status: 'resolved', project: 'api' })).toBe(1);
    // An empty page past the end still carries the total.
    expect(await list({ status: 'unresolved', offset: 10 })).toEqual({ errors: [], total: 3 });
    const summaries = await b.store.listProjectSummaries();
    expect(summaries.find((s) => s.name === 'shop')).toMatchObject({ groups: 4, unresolved: 3 });
    expect(await b.store.getProject('shop')).toMatchObject({ groups: 4, unresolved: 3 });
    await b.store.triage([resolved.id], { action: 'reopen' });
    expect(await totals({ search: 'four', status: 'resolved' })).toBe(0);
    expect(await totals({ search: 'alpha', resolved: false })).toBe(3);
  });

  it('counts users exactly up to the cap, then estimates within the stated error', { timeout: 60_000 }, async () => {
    const send = (from: number, to: number) => all(Array.from({ length: to - from }, (_, i) => preparedReport({ details: user(`user-${from + i}`) })));
    const first = await send(0, USERS_EXACT_CAP);
    const id = first[0]!.id;
    // Each report's figure is the group's as it stood after it, as if written one by one.
    expect(first.map((r) => r.users).sort((x, y) => x! - y!)).toEqual(Array.from({ length: USERS_EXACT_CAP }, (_, i) => i + 1));
    await send(0, 10); // repeats
    expect((await group(id)).users).toEqual({ total: USERS_EXACT_CAP, last24h: USERS_EXACT_CAP, exact: true });
    expect((await list({})).errors[0]!.users).toBe(USERS_EXACT_CAP);

    const n = 3_000;
    for (let from = USERS_EXACT_CAP; from < n; from += 500) await send(from, Math.min(n, from + 500));
    const users = (await group(id)).users;
    expect(users.exact).toBe(false);
    expect(Math.abs(users.total - n) / n).toBeLessThan(3 * USERS_STANDARD_ERROR);
    // The same figure as one sketch fed every user: nothing lost between batches.
    const reference = new UsersSketch();
    for (let i = 0; i < n; i++) reference.add(hashUser(`id:user-${i}`), 0);
    expect(users.total).toBe(reference.count());
    expect((await list({ sort: 'users' })).errors[0]!.users).toBe(users.total);
    clock.now = new Date(Date.parse(T0) + 25 * 3600_000);
    expect((await group(id)).users.last24h).toBe(0);
  });
});
