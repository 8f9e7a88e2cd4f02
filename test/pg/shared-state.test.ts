// Two PostgreSQL stores on separate pools (two instances, as far as the database can tell): event-id dedup, tags, quotas, users affected, wake-ups, and the alert decisions and deliveries exact across them.
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { decideWith } from '../../src/alerts/decide.js';
import { createChannelRegistry } from '../../src/alerts/registry.js';
import { loadConfig } from '../../src/config.js';
import { createRuleTrigger } from '../../src/alerts/rules.js';
import { createSender } from '../../src/alerts/sender.js';
import { createLogger } from '../../src/logger.js';
import { openPgStores, type PgStores } from '../../src/store/pg/index.js';
import { RETENTION_LOCK } from '../../src/store/pg/retention.js';
import { hashUser, UsersSketch } from '../../src/store/users-sketch.js';
import { eventually } from '../alerts/harness.js';
import { preparedReport } from '../helper.js';
import { createDatabase } from './postgres-server.js';

let a: PgStores;
let b: PgStores;
beforeAll(async () => {
  const url = await createDatabase(inject('pgAdminUrl'), { migrated: true });
  // Instance a raises a 'new' alert for each new group of project 'alerts', in the write's transaction.
  const alertTrigger = createRuleTrigger({
    rules: { rulesFor: (p) => (p === 'alerts' ? { newGroup: true, regression: true, spike: null, impact: null, cooldownMinutes: null } : null) },
    cooldownMs: 600_000,
    now: () => new Date(),
  });
  [a, b] = [openPgStores(url, { max: 4, alertTrigger }), openPgStores(url, { max: 4 })];
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

const ALERT_GROUPS = 30;
const CAP = 20;
const T1 = new Date('2026-03-01T12:00:00.000Z');

/** One instance's decisions until nothing is pending, a small batch per transaction so that the two interleave. */
async function decideAll(s: PgStores, at: Date): Promise<void> {
  for (;;) {
    const { rows } = await s.outbox.decide({
      limit: 4,
      decide: decideWith({ cooldownMs: 600_000, maxPerHour: CAP, queueSize: 1000 }, at, { queueFull: false, heldBack: [] }),
      channelsFor: () => ['c1'],
      at: at.toISOString(),
      giveUpAt: new Date(at.getTime() + 3_600_000).toISOString(),
    });
    if (rows === 0) return;
  }
}

const countRows = async (sql: string) => (await a.pool.query<{ n: number }>(sql)).rows[0]!.n;

it('decides each alert once across instances and holds the hourly cap cluster-wide; the summary is written once', { timeout: 60_000 }, async () => {
  await Promise.all(Array.from({ length: ALERT_GROUPS }, (_, i) => a.store.ingest(preparedReport({ project: 'alerts', fingerprint: (0xa000 + i).toString(16).padStart(32, '0') }))));
  expect(await countRows("SELECT count(*)::int AS n FROM alert_outbox WHERE state = 'pending'")).toBe(ALERT_GROUPS);
  await Promise.all([decideAll(a, T1), decideAll(b, T1), decideAll(a, T1), decideAll(b, T1)]);
  expect(await countRows("SELECT count(*)::int AS n FROM alert_outbox WHERE state = 'sending'")).toBe(CAP);
  expect(await countRows("SELECT count(*)::int AS n FROM alert_outbox WHERE state = 'held'")).toBe(ALERT_GROUPS - CAP);
  expect(await countRows('SELECT count(*)::int AS n FROM alert_deliveries')).toBe(CAP);
  const state = await b.alertState.loadAlertState();
  expect(state.sentAt).toHaveLength(CAP);
  expect(state.held?.newCount).toBe(ALERT_GROUPS - CAP);

  // An hour on, both instances look for a due summary at once, twice each: one is written.
  const later = new Date(T1.getTime() + 3_601_000);
  await Promise.all([decideAll(a, later), decideAll(b, later), decideAll(a, later), decideAll(b, later)]);
  expect(await countRows("SELECT count(*)::int AS n FROM alert_outbox WHERE rule = 'digest'")).toBe(1);
  expect(JSON.parse((await a.pool.query<{ held: string }>("SELECT held FROM alert_outbox WHERE rule = 'digest'")).rows[0]!.held)).toMatchObject({ newCount: ALERT_GROUPS - CAP });
  expect((await a.alertState.loadAlertState()).held).toBeNull();
});

// The deliveries of the decisions above.
it('two senders racing over the same due deliveries deliver each once', { timeout: 60_000 }, async () => {
  const due = await countRows("SELECT count(*)::int AS n FROM alert_deliveries WHERE state = 'pending'");
  expect(due).toBe(CAP + 1);
  const sent = new Map<string, number>();
  const logger = createLogger('silent');
  const senders = [a, b].map(
    (s) =>
      new Promise<void>((done) => {
        const sender = createSender({
          outbox: s.outbox,
          store: s.store,
          // A delivery that takes a moment, so both lanes are busy over the same batch.
          deliver: async (_channel, n) => {
            const key = `${n.kind}:${n.groupId}`;
            sent.set(key, (sent.get(key) ?? 0) + 1);
            await new Promise((r) => setTimeout(r, 5));
            return { ok: true, status: 200, retryable: false };
          },
          channelById: (id) => ({ id, kind: 'webhook', url: 'http://127.0.0.1:9/', project: null }),
          publicUrl: undefined,
          logger,
          now: () => new Date(),
          retryBaseMs: 60_000,
          onLaneDone: done,
        });
        void sender.run();
      }),
  );
  await Promise.all(senders);
  expect(sent.size).toBe(due);
  expect([...sent.values()].every((n) => n === 1)).toBe(true);
  expect(await countRows("SELECT count(*)::int AS n FROM alert_deliveries WHERE state = 'sent' AND attempts = 1")).toBe(due);
  expect(await countRows("SELECT count(*)::int AS n FROM alert_outbox WHERE state = 'sending'")).toBe(0);
});

it("an attempt slower than the first backoff stays claimed: another instance's sender does not send it again", { timeout: 60_000 }, async () => {
  await a.store.ingest(preparedReport({ project: 'alerts', fingerprint: 'f'.repeat(32) }));
  await decideAll(a, new Date(T1.getTime() + 7_200_000));
  expect(await countRows("SELECT count(*)::int AS n FROM alert_deliveries WHERE state = 'pending'")).toBe(1);
  const sent: string[] = [];
  const senderOn = (s: PgStores, deliveryMs: number, done: () => void) =>
    createSender({
      outbox: s.outbox,
      store: s.store,
      deliver: async (_channel, n) => {
        sent.push(`${n.kind}:${n.groupId}`);
        await new Promise((r) => setTimeout(r, deliveryMs));
        return { ok: true, status: 200, retryable: false };
      },
      channelById: (id) => ({ id, kind: 'webhook', url: 'http://127.0.0.1:9/', project: null }),
      publicUrl: undefined,
      logger: createLogger('silent'),
      now: () => new Date(),
      // The first backoff far shorter than the attempt: the claim must outlast the attempt, not the backoff.
      retryBaseMs: 20,
      attemptLimitMs: 10_000,
      onLaneDone: done,
    });
  const slow = new Promise<void>((done) => void senderOn(a, 1_000, done).run());
  await new Promise((r) => setTimeout(r, 300));
  // The other instance looks while the first attempt runs, past its first backoff; close waits for what it started.
  const other = senderOn(b, 0, () => {});
  await other.run();
  await slow;
  await other.close(5_000);
  expect(sent).toHaveLength(1);
  expect(await countRows("SELECT count(*)::int AS n FROM alert_deliveries WHERE state = 'sent' AND attempts = 1")).toBeGreaterThan(0);
  expect(await countRows("SELECT count(*)::int AS n FROM alert_deliveries WHERE state = 'pending'")).toBe(0);
});

it("a project's alert settings saved on one instance reach the other's rules and channels", { timeout: 30_000 }, async () => {
  const config = loadConfig({ DATABASE_PATH: ':memory:', ALERT_WEBHOOKS: '' });
  const registry = await createChannelRegistry(config, b.projectAlerts, createLogger('silent'), { refreshEveryMs: 50 });
  expect(registry.channelsFor('remote')).toEqual([]);
  const saved = await a.projectAlerts.putProjectAlertSettings('remote', {
    rules: { newGroup: false, regression: true, spike: null, impact: { users: 3 }, cooldownMinutes: null },
    channels: [{ kind: 'slack', url: 'https://hooks.slack.test/remote' }],
  });
  await eventually(() => registry.channelsFor('remote').length === 1, 10_000, 'the other instance to see the channel');
  expect(registry.channelsFor('remote')).toEqual(saved.channels);
  expect(registry.channelById(saved.channels[0]!.id)).toEqual(saved.channels[0]);
  expect(registry.rules.rulesFor('remote')).toEqual(saved.rules);
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
