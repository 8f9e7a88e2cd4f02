// The alert stores' contract on SQLite and PostgreSQL: project alert settings, alerts written with their reports or not at all, decisions, the digest once, a delivery claimed once.
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_RULE_SETTINGS } from '../../../src/alerts/channels/types.js';
import { decideWith } from '../../../src/alerts/decide.js';
import { createRuleTrigger } from '../../../src/alerts/rules.js';
import type { AlertRuleSettings } from '../../../src/alerts/rule-settings.js';
import type { AlertTrigger } from '../../../src/store/types.js';
import { preparedReport } from '../../helper.js';
import { BACKENDS, openBackend, type Backend } from './backends.js';

const T0 = '2026-03-01T12:00:00.000Z';
const RULES: AlertRuleSettings = { newGroup: true, regression: true, spike: { events: 3, minutes: 5, timesUsual: null }, impact: null, cooldownMinutes: null };
const fp = (n: number) => n.toString(16).padStart(32, '0');
const notes = () => ({ queueFull: false, heldBack: [] });

describe.each(BACKENDS)('alert stores contract on %s', (name) => {
  let b: Backend | undefined;
  const clock = { now: new Date(T0) };
  const now = () => new Date(clock.now);
  const open = async (alertTrigger?: AlertTrigger) => (b = await openBackend(name, now, { alertTrigger }));
  const rules = (r: AlertRuleSettings) => createRuleTrigger({ rules: { rulesFor: () => r }, cooldownMs: 600_000, now });
  afterEach(async () => {
    await b?.close();
    b = undefined;
    clock.now = new Date(T0);
  });

  /** Decides what is pending with the throttle's limits, every alert to channel c1. */
  const decide = (s: Backend, maxPerHour: number, at = now()) =>
    s.outbox.decide({
      limit: 200,
      decide: decideWith({ cooldownMs: 600_000, maxPerHour, queueSize: 1000 }, at, notes()),
      channelsFor: () => ['c1'],
      at: at.toISOString(),
      giveUpAt: new Date(at.getTime() + 3_600_000).toISOString(),
    });

  it('keeps project rules and channels; an edit by id keeps the secret, an omitted channel goes, a foreign id is refused', async () => {
    const s = await open();
    const spike = { events: 10, minutes: 5, timesUsual: 2.5 };
    const first = await s.projectAlerts.putProjectAlertSettings('shop', {
      rules: { ...RULES, regression: false, spike, impact: { users: 7 }, cooldownMinutes: 15 },
      channels: [
        { kind: 'slack', url: 'https://hooks.slack.test/a' },
        { kind: 'ntfy', url: 'https://ntfy.test/t', token: 'tk_secret' },
      ],
    });
    expect(first.rules).toEqual({ ...RULES, regression: false, spike, impact: { users: 7 }, cooldownMinutes: 15 });
    expect(first.channels.map((c) => [c.kind, c.url, c.token ?? null, c.project])).toEqual([
      ['slack', 'https://hooks.slack.test/a', null, 'shop'],
      ['ntfy', 'https://ntfy.test/t', 'tk_secret', 'shop'],
    ]);
    const ntfy = first.channels[1]!;
    expect(ntfy.id).toMatch(/^project:shop:\d+$/);
    const second = await s.projectAlerts.putProjectAlertSettings('shop', { channels: [{ id: ntfy.id, kind: 'ntfy', url: '' }] });
    expect(second.channels).toEqual([ntfy]);
    expect(second.rules.cooldownMinutes).toBe(15);
    await expect(s.projectAlerts.putProjectAlertSettings('other', { channels: [{ id: ntfy.id, kind: 'ntfy', url: '' }] })).rejects.toMatchObject({ name: 'ChannelInputError', path: 'channels.0.id' });
    expect(await s.projectAlerts.getProjectAlertSettings('other')).toEqual({ project: 'other', channels: [], rules: DEFAULT_RULE_SETTINGS });
    expect((await s.projectAlerts.listProjectAlertSettings()).map((p) => [p.project, p.channels.length])).toEqual([['shop', 1]]);
  });

  it('writes a new group and its alert in one commit; repeats write none', async () => {
    const s = await open(rules({ ...RULES, spike: null }));
    const r = await s.store.ingest(preparedReport());
    await Promise.all(Array.from({ length: 20 }, () => s.store.ingest(preparedReport())));
    const pending = await s.outbox.pendingAlerts(100);
    expect(pending.map((p) => [p.rule, p.groupId, p.cooldownKey, p.state])).toEqual([['new', r.id, r.fingerprint, 'pending']]);
    expect(JSON.parse(pending[0]!.payload)).toMatchObject({ kind: 'new', groupId: r.id, project: 'shop' });
  });

  it('a rolled-back batch writes no alert, and the rule that fired in it may fire again', async () => {
    const real = rules(RULES);
    let fail = true;
    let rolledBack = 0;
    // A spoiled draft breaks the outbox INSERT, so the whole batch rolls back.
    const spoil = (t: AlertTrigger): AlertTrigger => ({
      observe: (g) => t.observe(g).map((d) => (fail ? { ...d, rule: 'bogus' as 'new' } : d)),
      committed: () => t.committed(),
      rolledBack: () => {
        rolledBack++;
        t.rolledBack();
      },
      fork: () => spoil(real.fork!()),
    });
    const s = await open(spoil(real));
    const burst = () => Promise.allSettled(Array.from({ length: 5 }, () => s.store.ingest(preparedReport())));
    expect((await burst()).every((x) => x.status === 'rejected')).toBe(true);
    expect(rolledBack).toBeGreaterThan(0);
    expect(await s.outbox.pendingAlerts(100)).toEqual([]);
    expect(await s.store.listProjects()).toEqual([]);
    fail = false;
    await burst();
    expect((await s.outbox.pendingAlerts(100)).map((p) => p.rule).sort()).toEqual(['new', 'spike']);
  });

  it('decides each pending alert once under the hourly cap, saves the throttle with it, and takes the digest once', async () => {
    const s = await open(rules({ ...RULES, spike: null }));
    for (let i = 0; i < 5; i++) await s.store.ingest(preparedReport({ fingerprint: fp(i + 1) }));
    const first = await decide(s, 3);
    expect(first.rows).toBe(5);
    expect(first.throttle.sentAt).toHaveLength(3);
    expect(first.throttle.held).toMatchObject({ newCount: 2 });
    expect(await s.outbox.pendingAlerts(100)).toEqual([]);
    expect(await s.outbox.undeliveredCount()).toBe(3);
    expect(await s.alertState.loadAlertState()).toEqual(first.throttle);
    // Nothing pending and no room in the hour: no change.
    expect((await decide(s, 3)).throttle.held).toMatchObject({ newCount: 2 });
    const due = await s.outbox.dueDeliveries('c1', now().toISOString(), 100);
    expect(due).toHaveLength(3);
    // An hour later the budget has room: the summary goes once, carrying both held alerts.
    const later = new Date(Date.parse(T0) + 3_601_000);
    const digest = await decide(s, 3, later);
    expect(digest.throttle.held).toBeNull();
    expect(await s.outbox.dueDeliveries('c1', later.toISOString(), 100)).toHaveLength(4);
    const again = await decide(s, 3, later);
    expect(again.throttle.held).toBeNull();
    const deliveries = await s.outbox.dueDeliveries('c1', later.toISOString(), 100);
    expect(deliveries).toHaveLength(4);
    const summary = (await s.outbox.getAlert(deliveries[3]!.outboxId))!;
    expect(summary).toMatchObject({ rule: 'digest', state: 'sending', held: { newCount: 2, regressionCount: 0 } });
  });

  it('lets one sender claim a delivery; the alert is done when its delivery is final', async () => {
    const s = await open(rules({ ...RULES, spike: null }));
    await s.store.ingest(preparedReport());
    await decide(s, 10);
    const [d] = await s.outbox.dueDeliveries('c1', now().toISOString(), 10);
    const next = new Date(Date.parse(T0) + 60_000).toISOString();
    const claims = await Promise.all([0, 1, 2].map(() => s.outbox.startAttempt(d!.outboxId, 'c1', next, d!.attempts)));
    expect(claims.filter(Boolean)).toHaveLength(1);
    // Leased: not due again until the attempt's backoff has passed.
    expect(await s.outbox.dueDeliveries('c1', now().toISOString(), 10)).toEqual([]);
    await s.outbox.finishAttempt(d!.outboxId, 'c1', { ok: true, status: 250, retryable: false }, null, now().toISOString());
    expect(await s.outbox.startAttempt(d!.outboxId, 'c1', next, 1)).toBe(false);
    expect(await s.outbox.undeliveredCount()).toBe(0);
    expect((await s.outbox.getAlert(d!.outboxId))!.state).toBe('done');
    expect(await s.outbox.pendingChannels()).toEqual([]);
    expect(await s.outbox.lastDeliveries()).toEqual({ c1: { ok: true, status: 250, retryable: false, at: T0 } });
  });
});
