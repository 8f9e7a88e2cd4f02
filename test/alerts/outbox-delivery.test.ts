// The outbox's sender in process: retries after 500 and 429 (Retry-After honoured), one delivery per alert, giving up, last results per channel.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { GOTIFY_CHANNEL_ID } from '../../src/alerts/builtin-channels.js';
import { createSqliteOutboxStore } from '../../src/store/sqlite/outbox.js';
import { postError, report } from '../helper.js';
import { buildAlertingApp, eventually, tickingClock, type AlertingApp } from './harness.js';
import { startReceiver, type Receiver } from './receiver.js';

let dir: string;
let t: AlertingApp | undefined;
let receiver: Receiver | undefined;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'et-outbox-'));
});
afterEach(async () => {
  await t?.close();
  t = undefined;
  await receiver?.close();
  receiver = undefined;
  rmSync(dir, { recursive: true, force: true });
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const gotifyEnv = (url: string, extra: Record<string, string> = {}) => ({ NOTIFY_URL: url, NOTIFY_TOKEN: 'Tok3n.outbox', ...extra });
const deliveries = (app: AlertingApp) =>
  app.db.prepare('SELECT outbox_id AS outboxId, channel_id AS channelId, state, attempts, last_status AS lastStatus FROM alert_deliveries ORDER BY outbox_id').all();

describe('the sender', () => {
  it('retries after 500 with backoff and delivers once; the channel remembers its last result', async () => {
    receiver = await startReceiver(0, [{ status: 500 }, { status: 503 }]);
    t = await buildAlertingApp(gotifyEnv(receiver.url), join(dir, 'e.db'), { clock: tickingClock('2026-03-01T12:00:00Z') });
    expect((await postError(t.app, report())).statusCode).toBe(201);
    const requests = await receiver.waitFor(3);
    await eventually(() => (deliveries(t!)[0] as { state: string } | undefined)?.state === 'sent', 5000, 'the delivery marked sent');
    // The same alert each time: one id for every attempt.
    expect(new Set(requests.map((r) => r.body)).size).toBe(1);
    expect(deliveries(t)).toEqual([{ outboxId: 1, channelId: GOTIFY_CHANNEL_ID, state: 'sent', attempts: 3, lastStatus: 200 }]);
    const last = await createSqliteOutboxStore(t.db).lastDeliveries();
    expect(last[GOTIFY_CHANNEL_ID]).toMatchObject({ ok: true, status: 200 });
    expect(t.logs()).toContain(`alert delivery to ${GOTIFY_CHANNEL_ID} failed; retrying`);
    await sleep(400);
    expect(receiver.requests).toHaveLength(3);
    expect(t.db.prepare('SELECT state FROM alert_outbox').all()).toEqual([{ state: 'done' }]);
  });

  it('a 429 holds the channel until Retry-After has passed, then delivers', async () => {
    receiver = await startReceiver(0, [{ status: 429, headers: { 'retry-after': '120' } }]);
    const clock = { now: new Date('2026-03-01T12:00:00Z') };
    t = await buildAlertingApp(gotifyEnv(receiver.url), join(dir, 'e.db'), { clock });
    await postError(t.app, report());
    await receiver.waitFor(1);
    // The backoff alone (50 ms here) would have retried many times over by now.
    clock.now = new Date('2026-03-01T12:01:59Z');
    await sleep(500);
    expect(receiver.requests).toHaveLength(1);
    const last = await createSqliteOutboxStore(t.db).lastDeliveries();
    expect(last[GOTIFY_CHANNEL_ID]).toMatchObject({ ok: false, status: 429, error: 'HTTP 429' });

    clock.now = new Date('2026-03-01T12:02:01Z');
    await receiver.waitFor(2);
    await eventually(() => (deliveries(t!)[0] as { state: string }).state === 'sent', 5000, 'the delivery marked sent');
    await sleep(300);
    expect(receiver.requests).toHaveLength(2);
  });

  it('gives up when the retry window is over, and says so in the log', async () => {
    receiver = await startReceiver(0, Array.from({ length: 1000 }, () => ({ status: 502 })));
    const clock = { now: new Date('2026-03-01T12:00:00Z') };
    t = await buildAlertingApp(gotifyEnv(receiver.url, { ALERT_RETRY_MINUTES: '1' }), join(dir, 'e.db'), { clock });
    await postError(t.app, report());
    await receiver.waitFor(1);
    // Each step lets the next retry fall due, until the minute is over.
    for (let s = 1; s <= 70 && (deliveries(t)[0] as { state: string }).state === 'pending'; s++) {
      clock.now = new Date(Date.parse('2026-03-01T12:00:00Z') + s * 1000);
      await sleep(30);
    }
    await eventually(() => (deliveries(t!)[0] as { state: string }).state === 'failed', 5000, 'the delivery given up');
    expect(t.logs()).toContain(`alert delivery to ${GOTIFY_CHANNEL_ID} given up after`);
    const n = receiver.requests.length;
    clock.now = new Date('2026-03-01T13:00:00Z');
    await sleep(300);
    expect(receiver.requests).toHaveLength(n);
  });

  it('a permanent refusal (401) is not retried', async () => {
    receiver = await startReceiver(0, [{ status: 401 }]);
    t = await buildAlertingApp(gotifyEnv(receiver.url), join(dir, 'e.db'), { clock: tickingClock('2026-03-01T12:00:00Z') });
    await postError(t.app, report());
    await eventually(() => (deliveries(t!)[0] as { state: string } | undefined)?.state === 'failed', 5000, 'the delivery failed');
    await sleep(300);
    expect(receiver.requests).toHaveLength(1);
    expect(t.logs()).toContain('failed for good: HTTP 401');
    expect(t.logs()).not.toContain('Tok3n.outbox');
  });
});
