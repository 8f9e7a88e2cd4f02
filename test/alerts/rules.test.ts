// The spike and impact rules through the app: fire once under a burst, never under steady traffic; their message names the rule and the numbers.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { postError, report } from '../helper.js';
import { buildAlertingApp, eventually, type AlertingApp } from './harness.js';
import { startReceiver, type Receiver } from './receiver.js';

let dir: string;
let t: AlertingApp | undefined;
let receiver: Receiver | undefined;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'et-rules-'));
  receiver = await startReceiver();
});
afterEach(async () => {
  await t?.close();
  t = undefined;
  await receiver?.close();
  receiver = undefined;
  rmSync(dir, { recursive: true, force: true });
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const START = Date.parse('2026-03-01T12:00:00Z');
const at = (minutes: number) => new Date(START + minutes * 60_000);
const env = (extra: Record<string, string>) => ({ NOTIFY_URL: receiver!.url, NOTIFY_TOKEN: 'tok', ALERT_MAX_PER_HOUR: '1000', ...extra });
const rules = (app: AlertingApp) =>
  Object.fromEntries((app.db.prepare('SELECT rule, count(*) AS n FROM alert_outbox GROUP BY rule').all() as { rule: string; n: number }[]).map((r) => [r.rule, r.n]));
const titles = () => receiver!.requests.map((r) => (r.json() as { title: string }).title);
/** Sends `n` reports of one group at once (they share group commits, as a real burst does). */
const burst = (app: AlertingApp, n: number, over: (i: number) => Record<string, unknown> = () => ({})) =>
  Promise.all(Array.from({ length: n }, (_, i) => postError(app.app, report(over(i)))));

describe('spike: more than N events in M minutes', () => {
  it('fires once under a burst, naming the rule and the numbers, and not again within the cooldown', async () => {
    const clock = { now: at(0) };
    t = await buildAlertingApp(env({ ALERT_SPIKE_EVENTS: '20', ALERT_SPIKE_MINUTES: '5' }), join(dir, 'e.db'), { clock });
    await burst(t, 100);
    clock.now = at(1);
    await burst(t, 100);
    await eventually(() => receiver!.requests.length >= 2, 10_000, 'the new-group and spike alerts');
    await sleep(300);
    expect(rules(t)).toEqual({ new: 1, spike: 1 });
    expect(titles()).toEqual(['[shop] New error: ValueError: bad quantity', '[shop] Spike: ValueError: bad quantity']);
    const spike = receiver!.requests[1]!.json() as { message: string; priority: number };
    expect(spike.message).toMatch(/^Spike: \d+ events in 5 minutes\n/);
    const row = t.db.prepare("SELECT payload FROM alert_outbox WHERE rule = 'spike'").get() as { payload: string };
    const why = JSON.parse(row.payload).why;
    // The count when it fired: the first group commit that took the window over 20.
    expect(why).toMatchObject({ rule: 'spike', minutes: 5 });
    expect(why.events).toBeGreaterThan(20);
    expect(Object.keys(why).sort()).toEqual(['events', 'minutes', 'rule']);
  });

  it('does not fire under steady traffic at the same total', async () => {
    const clock = { now: at(0) };
    t = await buildAlertingApp(env({ ALERT_SPIKE_EVENTS: '20', ALERT_SPIKE_MINUTES: '5' }), join(dir, 'e.db'), { clock });
    // 4 a minute for an hour: 20 in any 5 minutes, never more; 240 in all.
    for (let m = 0; m < 60; m++) {
      clock.now = at(m);
      await burst(t, 4);
    }
    await receiver!.waitFor(1);
    await sleep(300);
    expect(rules(t)).toEqual({ new: 1 });
  });

  it('with ALERT_SPIKE_TIMES_USUAL, a group busy as usual does not fire; one well above its usual rate does', async () => {
    const clock = { now: at(0) };
    t = await buildAlertingApp(env({ ALERT_SPIKE_EVENTS: '20', ALERT_SPIKE_MINUTES: '5', ALERT_SPIKE_TIMES_USUAL: '3' }), join(dir, 'e.db'), { clock });
    const id = (await postError(t.app, report())).json().id as number;
    // Its usual rate: 600 an hour over the last day (written as the hourly counts ingestion keeps).
    const put = t.db.prepare('INSERT INTO error_hourly_counts (error_id, hour, count) VALUES (?, ?, 600) ON CONFLICT DO UPDATE SET count = 600');
    for (let h = 1; h <= 24; h++) put.run(id, `${new Date(START - h * 3_600_000).toISOString().slice(0, 13)}:00:00Z`);
    // 100 in 5 minutes is 1200 an hour: twice the usual, under three times.
    for (let m = 0; m < 5; m++) {
      clock.now = at(m);
      await burst(t, 20);
    }
    await sleep(300);
    expect(rules(t)).toEqual({ new: 1 });
    // 200 more in the same minute: 300 in 5 minutes is 3600 an hour, six times the usual.
    await burst(t, 200);
    await eventually(() => rules(t!).spike === 1, 5000, 'the spike alert');
    const row = t.db.prepare("SELECT payload FROM alert_outbox WHERE rule = 'spike'").get() as { payload: string };
    expect(JSON.parse(row.payload).why).toMatchObject({ rule: 'spike', minutes: 5, usualPerHour: 600 });
  });
});

describe('impact: U distinct users in an hour', () => {
  const user = (i: number) => ({ user_id: `user-${i}` });

  it('fires once when a burst reaches U users, with the count in the alert', async () => {
    const clock = { now: at(0) };
    t = await buildAlertingApp(env({ ALERT_IMPACT_USERS: '10' }), join(dir, 'e.db'), { clock });
    await burst(t, 40, (i) => user(i));
    clock.now = at(5);
    await burst(t, 40, (i) => user(100 + i));
    await eventually(() => receiver!.requests.length >= 2, 10_000, 'the impact alert');
    await sleep(300);
    expect(rules(t)).toEqual({ new: 1, impact: 1 });
    expect(titles()[1]).toBe('[shop] Impact: ValueError: bad quantity');
    expect((receiver!.requests[1]!.json() as { message: string }).message).toMatch(/^Impact: \d+ distinct users in the last hour\n/);
    const row = t.db.prepare("SELECT payload FROM alert_outbox WHERE rule = 'impact'").get() as { payload: string };
    const payload = JSON.parse(row.payload);
    expect(payload.why).toMatchObject({ rule: 'impact', minutes: 60 });
    expect(payload.why.users).toBeGreaterThanOrEqual(10);
    expect(payload.users).toBe(payload.why.users);
  });

  it('does not fire for the same few users all day, nor for many users spread over hours', async () => {
    const clock = { now: at(0) };
    t = await buildAlertingApp(env({ ALERT_IMPACT_USERS: '10' }), join(dir, 'e.db'), { clock });
    // 9 users, every 10 minutes for 8 hours.
    for (let m = 0; m < 8 * 60; m += 10) {
      clock.now = at(m);
      await burst(t, 9, (i) => user(i));
    }
    // Two quiet hours later, 30 new users, one every 10 minutes: at most 6 in any hour.
    for (let i = 0; i < 30; i++) {
      clock.now = at(10 * 60 + i * 10);
      await postError(t.app, report(user(1000 + i)));
    }
    await receiver!.waitFor(1);
    await sleep(300);
    expect(rules(t)).toEqual({ new: 1 });
  });
});
