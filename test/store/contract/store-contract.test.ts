// The store's contract, run against SQLite and a real PostgreSQL: what every backend must answer alike.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { preparedReport } from '../../helper.js';
import { BACKENDS, openBackend, type Backend } from './backends.js';

const T0 = '2026-03-01T12:00:00.000Z';
const at = (minutes: number) => new Date(Date.parse(T0) + minutes * 60_000).toISOString();
const fp = (n: number) => n.toString(16).padStart(32, '0');

describe.each(BACKENDS)('store contract on %s', (name) => {
  let b: Backend;
  const clock = { now: new Date(T0) };
  beforeEach(async () => {
    b = await openBackend(name, () => new Date(clock.now));
  });
  afterEach(() => b.close());

  it('groups by fingerprint, counts exactly, keeps the five newest occurrences newest first', async () => {
    const results = await Promise.all(Array.from({ length: 12 }, (_, i) => b.store.ingest(preparedReport({ message: `m${i}`, timestamp: at(i), traceback: `tb${i}` }))));
    expect(results.filter((r) => r.created)).toHaveLength(1);
    expect(new Set(results.map((r) => r.id)).size).toBe(1);
    expect(results.map((r) => r.count).sort((x, y) => x - y)).toEqual(Array.from({ length: 12 }, (_, i) => i + 1));
    const got = (await b.store.getError(results[0]!.id))!;
    expect(got.error.count).toBe(12);
    expect(got.error.message).toBe('m11');
    expect(got.error.traceback).toBe('tb11');
    expect(got.occurrences.map((o) => o.message)).toEqual(['m11', 'm10', 'm9', 'm8', 'm7']);
    // A back-dated report counts but neither enters the ring nor changes the message.
    await b.store.ingest(preparedReport({ message: 'old', timestamp: at(-60) }));
    const after = (await b.store.getError(results[0]!.id))!;
    expect(after.error.count).toBe(13);
    expect(after.error.firstSeen).toBe(at(-60));
    expect(after.error.message).toBe('m11');
    expect(after.occurrences.map((o) => o.message)).toEqual(['m11', 'm10', 'm9', 'm8', 'm7']);
  });

  it('keeps request data and details of an occurrence', async () => {
    const r = await b.store.ingest(
      preparedReport({ requestUrl: 'https://x/y', requestMethod: 'GET', requestHeaders: { a: '1' }, userId: 'u1', extra: { k: [1, 2] }, release: 'v1', environment: 'prod', details: { level: 'error', tags: { t: 'v' } } as never }),
    );
    const o = (await b.store.getError(r.id))!.occurrences[0]!;
    expect(o).toMatchObject({ requestUrl: 'https://x/y', requestMethod: 'GET', requestHeaders: { a: '1' }, userId: 'u1', extra: { k: [1, 2] }, release: 'v1', environment: 'prod' });
    expect(o.details).toEqual({ level: 'error', tags: { t: 'v' } });
  });

  it('stores a resent event id once', async () => {
    const first = await b.store.ingestEvent(preparedReport(), 'a'.repeat(32));
    const again = await Promise.all([b.store.ingestEvent(preparedReport(), 'a'.repeat(32)), b.store.ingestEvent(preparedReport(), 'a'.repeat(32))]);
    expect(first?.created).toBe(true);
    expect(again).toEqual([null, null]);
    expect((await b.store.getError(first!.id))!.error.count).toBe(1);
    // Another project may use the same id.
    expect(await b.store.ingestEvent(preparedReport({ project: 'other', fingerprint: fp(9) }), 'a'.repeat(32))).not.toBeNull();
  });

  it('reopens a resolved group as a regression, once', async () => {
    const r = await b.store.ingest(preparedReport());
    expect(await b.store.setResolved(r.id, true)).toBe(true);
    expect(await b.store.setResolved(999_999, true)).toBe(false);
    const [x, y] = await Promise.all([b.store.ingest(preparedReport()), b.store.ingest(preparedReport())]);
    expect([x!.regression, y!.regression].filter(Boolean)).toHaveLength(1);
    const g = (await b.store.getError(r.id))!.error;
    expect(g.resolved).toBe(false);
    expect(g.resolvedAt).toBeNull();
  });

  it('keeps equal fingerprints of two projects apart', async () => {
    const a = await b.store.ingest(preparedReport({ project: 'a' }));
    const c = await b.store.ingest(preparedReport({ project: 'c' }));
    const a2 = await b.store.ingest(preparedReport({ project: 'c' }));
    expect(a.id).not.toBe(c.id);
    expect(a2.id).toBe(c.id);
    expect(a2.count).toBe(2);
  });

  it('lists with filters, search, tags, totals and pages', async () => {
    await b.store.ingest(preparedReport({ fingerprint: fp(1), project: 'web', source: 'browser', exceptionType: 'TypeError', message: 'Cannot read ÜBER thing', timestamp: at(1), details: { tags: { region: 'eu' }, user: { id: 'u7' } } as never }));
    await b.store.ingest(preparedReport({ fingerprint: fp(2), project: 'web', exceptionType: 'RangeError', message: 'index out', file: '/srv/lib/paging.js', timestamp: at(2) }));
    await b.store.ingest(preparedReport({ fingerprint: fp(3), project: 'api', exceptionType: 'KeyError', message: '100% sure_thing', timestamp: at(3) }));
    const r4 = await b.store.ingest(preparedReport({ fingerprint: fp(4), project: 'api', exceptionType: 'KeyError', message: 'gone', timestamp: at(4) }));
    await b.store.setResolved(r4.id, true);

    const all = await b.store.listErrors({ limit: 2, offset: 0 });
    expect(all.total).toBe(4);
    expect(all.errors.map((e) => e.fingerprint)).toEqual([fp(4), fp(3)]);
    expect((await b.store.listErrors({ limit: 2, offset: 2 })).errors.map((e) => e.fingerprint)).toEqual([fp(2), fp(1)]);
    expect(await b.store.listErrors({ limit: 2, offset: 10 })).toEqual({ errors: [], total: 4 });
    expect((await b.store.listErrors({ project: 'api', resolved: false, limit: 10, offset: 0 })).total).toBe(1);
    expect((await b.store.listErrors({ source: 'browser', limit: 10, offset: 0 })).errors.map((e) => e.fingerprint)).toEqual([fp(1)]);
    const search = async (s: string) => (await b.store.listErrors({ search: s, limit: 10, offset: 0 })).errors.map((e) => e.fingerprint);
    expect(await search('über')).toEqual([fp(1)]);
    expect(await search('rangeerr')).toEqual([fp(2)]);
    expect(await search('paging.js')).toEqual([fp(2)]);
    expect(await search('0%')).toEqual([fp(3)]);
    expect(await search('_th')).toEqual([fp(3)]);
    expect(await search('nothing like it')).toEqual([]);
    const s = await b.store.listErrors({ search: 'Error', project: 'web', limit: 1, offset: 0 });
    expect(s).toMatchObject({ total: 2, errors: [{ fingerprint: fp(2) }] });
    expect((await b.store.listErrors({ tags: [['region', 'eu']], limit: 10, offset: 0 })).errors.map((e) => e.fingerprint)).toEqual([fp(1)]);
    expect((await b.store.listErrors({ tags: [['user', 'u7']], limit: 10, offset: 0 })).total).toBe(1);
    expect((await b.store.listErrors({ tags: [['region', 'us']], limit: 10, offset: 0 })).total).toBe(0);
  });

  it('counts tag values, the first twenty apart and the rest as other', async () => {
    let id = 0;
    for (let i = 0; i < 25; i++) id = (await b.store.ingest(preparedReport({ release: `v${i}`, environment: 'prod' }))).id;
    await Promise.all(Array.from({ length: 5 }, () => b.store.ingest(preparedReport({ release: 'v0', environment: 'prod' }))));
    const tags = (await b.store.getError(id))!.tags;
    const release = tags.find((t) => t.key === 'release')!;
    expect(release.total).toBe(30);
    expect(release.values).toHaveLength(20);
    expect(release.values[0]).toEqual({ value: 'v0', count: 6 });
    expect(release.other).toBe(5);
    expect(tags.find((t) => t.key === 'environment')).toEqual({ key: 'environment', total: 30, values: [{ value: 'prod', count: 30 }], other: 0 });
  });

  it('manages projects and their keys', async () => {
    const p = (await b.store.createProject('shop'))!;
    expect(p.ingestKey).toMatch(/^[0-9a-f]{32}$/);
    expect(await b.store.createProject('shop')).toBeNull();
    expect(await b.store.findProjectByKey(p.ingestKey)).toEqual(p);
    const rotated = (await b.store.rotateIngestKey('shop'))!;
    expect(await b.store.findProjectByKey(p.ingestKey)).toBeNull();
    expect((await b.store.findProjectByKey(rotated.ingestKey))?.name).toBe('shop');
    expect(await b.store.rotateIngestKey('nope')).toBeNull();
    const r = await b.store.ingest(preparedReport({ project: 'shop' }));
    await b.store.ingest(preparedReport({ project: 'shop' }));
    await b.store.ingest(preparedReport({ project: 'auto', fingerprint: fp(5) }));
    await b.store.setResolved(r.id, true);
    expect(await b.store.listProjects()).toEqual(['auto', 'shop']);
    expect(await b.store.getProject('shop')).toMatchObject({ name: 'shop', groups: 1, unresolved: 0, events: 2 });
    expect(await b.store.getProject('none')).toBeNull();
    const summaries = await b.store.listProjectSummaries();
    expect(summaries.map((s) => [s.name, s.groups, s.unresolved]).sort()).toEqual([['auto', 1, 1], ['shop', 1, 0]]);
  });

  it('reads hourly counts and cleans up old counts and long-resolved groups', async () => {
    const r = await b.store.ingest(preparedReport({ timestamp: '2026-01-01T10:15:00.000Z' }));
    await b.store.ingest(preparedReport({ timestamp: '2026-01-01T10:45:00.000Z' }));
    await b.store.ingest(preparedReport({ timestamp: '2026-02-01T11:00:00.000Z' }));
    const keep = await b.store.ingest(preparedReport({ fingerprint: fp(7), timestamp: '2026-02-01T11:00:00.000Z' }));
    expect((await b.store.hourlyCounts([r.id, keep.id], '2026-01-01T00:00:00Z', '2026-12-31T00:00:00Z')).sort((x, y) => (x.hour + x.errorId < y.hour + y.errorId ? -1 : 1))).toEqual([
      { errorId: r.id, hour: '2026-01-01T10:00:00Z', count: 2 },
      { errorId: r.id, hour: '2026-02-01T11:00:00Z', count: 1 },
      { errorId: keep.id, hour: '2026-02-01T11:00:00Z', count: 1 },
    ]);
    expect(await b.store.hourlyCounts([], '2026-01-01T00:00:00Z', '2026-12-31T00:00:00Z')).toEqual([]);
    clock.now = new Date('2026-01-05T00:00:00.000Z');
    await b.store.setResolved(r.id, true);
    clock.now = new Date(T0);
    const result = await b.store.cleanup({ resolvedBefore: '2026-02-01T00:00:00.000Z', hourlyCountsBefore: '2026-01-15T00:00:00Z' });
    expect(result).toMatchObject({ groupsDeleted: 1, hourlyCountsDeleted: 1 });
    expect(await b.store.getError(r.id)).toBeNull();
    expect((await b.store.getError(keep.id))?.error.count).toBe(1);
    expect((await b.store.listErrors({ limit: 10, offset: 0 })).total).toBe(1);
  });

  it('keeps quotas, dropped counts and the alert state', async () => {
    await b.quotaStore.setQuotaOverride('shop', { perMinute: 5, perHour: null });
    expect(await b.quotaStore.loadQuotaOverrides()).toEqual(new Map([['shop', { perMinute: 5, perHour: null }]]));
    await b.quotaStore.setQuotaOverride('shop', { perMinute: null, perHour: null });
    expect((await b.quotaStore.loadQuotaOverrides()).size).toBe(0);
    await Promise.all(Array.from({ length: 7 }, () => b.quotaStore.recordDropped('shop', '2026-03-01T12:00:00Z')));
    await b.quotaStore.recordDropped('shop', '2026-03-01T11:00:00Z');
    const dropped = await b.quotaStore.droppedCounts('2026-03-01T12:00:00Z');
    expect(dropped.hours).toEqual([{ project: 'shop', hour: '2026-03-01T12:00:00Z', count: 7 }]);
    expect(dropped.totals.get('shop')).toBe(8);

    const state = {
      cooldowns: { [fp(1)]: T0 },
      sentAt: [T0, at(1)],
      held: { newCount: 2, regressionCount: 1, since: T0, dueAt: at(10), samples: [{ kind: 'new' as const, groupId: 3, project: 'shop', exceptionType: 'E', message: 'm', at: T0 }] },
    };
    await b.alertState.saveAlertState(state);
    expect(await b.alertState.loadAlertState()).toEqual(state);
    await b.alertState.saveAlertState({ cooldowns: {}, sentAt: [], held: null });
    expect(await b.alertState.loadAlertState()).toEqual({ cooldowns: {}, sentAt: [], held: null });
  });

  it('keeps tokens hashed, and releases with their deploys', async () => {
    const { token, record } = await b.tokenStore.createToken({ kind: 'upload', name: 'ci', projects: ['shop'], scopes: ['upload'] });
    expect((await b.tokenStore.findToken(token))?.id).toBe(record.id);
    expect(await b.tokenStore.findToken(`${token}x`)).toBeNull();
    expect((await b.tokenStore.listTokens('upload')).map((t) => t.name)).toEqual(['ci']);
    expect(await b.tokenStore.revokeToken(record.id)).toBe(true);
    expect(await b.tokenStore.revokeToken(record.id)).toBe(false);
    expect(await b.tokenStore.findToken(token)).toBeNull();

    await b.releaseStore.recordRelease({ project: 'shop', version: '1.0', createdBy: 'event' });
    const api = await b.releaseStore.recordRelease({ project: 'shop', version: '1.0', createdBy: 'api', createdAt: '2026-01-01T00:00:00.000Z', finalizedAt: T0 });
    expect(api).toEqual({ project: 'shop', version: '1.0', createdAt: '2026-01-01T00:00:00.000Z', createdBy: 'api', finalizedAt: T0 });
    const d = await b.releaseStore.addDeploy({ project: 'shop', version: '2.0', environment: 'prod', name: null, url: null, startedAt: null, finishedAt: T0 });
    expect(await b.releaseStore.listDeploys('shop', '2.0')).toEqual([d]);
    expect((await b.releaseStore.listReleaseRecords('shop', 10)).map((r) => r.version)).toEqual(['2.0', '1.0']);
    expect(await b.releaseStore.getRelease('shop', 'none')).toBeNull();
  });

  it('answers a committed test write', async () => {
    await expect(b.store.probeWrite()).resolves.toBeUndefined();
  });
});
