// Alerts end to end: ingest through the app, decisions by the throttle, delivery to a real SMTP server and a Gotify stand-in.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { auth, postError, report } from '../helper.js';
import { buildAlertingApp, eventually, type AlertingApp } from './harness.js';
import { startGotify, startSilentServer, startSmtp, type SmtpFixture } from './fixtures.js';

let dir: string;
let smtp: SmtpFixture | undefined;
let t: AlertingApp | undefined;
const cleanups: (() => Promise<void>)[] = [];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'et-alerts-'));
});
afterEach(async () => {
  await t?.close();
  t = undefined;
  await smtp?.close();
  smtp = undefined;
  for (const c of cleanups.splice(0)) await c();
  rmSync(dir, { recursive: true, force: true });
});

const dbPath = () => join(dir, 'errors.db');
const smtpEnv = (port: number, extra: Record<string, string> = {}) => ({ SMTP_HOST: '127.0.0.1', SMTP_PORT: String(port), ALERT_EMAILS: 'ops@example.com', ...extra });
/** A report whose crash frame (and so its group) is number `i`. */
const distinct = (i: number, over: Record<string, unknown> = {}) =>
  report({ traceback: `Traceback (most recent call last):\n  File "/srv/app/m${i}.py", line ${i + 1}, in f${i}\nValueError: bad ${i}\n`, message: `bad ${i}`, ...over });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('when to alert', () => {
  it('a new group sends one email with what is needed to start fixing, escaped, with a link', async () => {
    smtp = await startSmtp({ mode: 'plain' });
    t = await buildAlertingApp(smtpEnv(smtp.port, { PUBLIC_URL: 'https://errors.example.com/' }), dbPath());
    const res = await postError(
      t.app,
      report({
        message: 'bad <script>alert(1)</script> quantity',
        request_url: 'https://shop.example.com/checkout?step=2',
        request_method: 'POST',
        release: '1.4.2',
        environment: 'production',
      }),
    );
    expect(res.statusCode).toBe(201);
    const [mail] = await smtp.waitFor(1);
    expect(mail!.subject).toBe('[shop] New error: ValueError: bad <script>alert(1)</script> quantity');
    for (const piece of ['shop', 'ValueError', '/srv/app/orders.py:12 in place_order', 'Count:', '1', 'First seen:', '2026-03-01T12:00:00', 'Last seen:', '1.4.2', 'production', 'server', 'qty = int(raw)', 'POST https://shop.example.com/checkout?step=2', `https://errors.example.com/?error=${res.json().id}`]) {
      expect(mail!.text).toContain(piece);
    }
    expect(mail!.html).toContain('bad &lt;script&gt;alert(1)&lt;/script&gt; quantity');
    expect(mail!.html).not.toContain('<script>');
    expect(mail!.raw).toMatch(/^Auto-Submitted: auto-generated/m);
    await eventually(() => t!.logs().includes('Email alert sent'), 5000, 'the log line');
    const sent = t.alertLogs().find((r) => String(r.msg).startsWith('Email alert sent'));
    expect(sent?.msg).toBe(`Email alert sent to ops@example.com via SMTP (127.0.0.1:${smtp.port}, plain)`);
  });

  it('a regression sends "Regression:" once the cooldown has passed; inside it, it is held and goes out as a digest by itself', async () => {
    smtp = await startSmtp({ mode: 'plain' });
    t = await buildAlertingApp(smtpEnv(smtp.port), dbPath());
    const id = (await postError(t.app, report())).json().id;
    await smtp.waitFor(1);
    const resolve = () => t!.app.inject({ method: 'POST', url: `/api/errors/${id}/resolve`, headers: auth });

    // Inside the 600 s cooldown: held back, nothing sent.
    await resolve();
    t.clock.now = new Date('2026-03-01T12:05:00Z');
    expect((await postError(t.app, report())).statusCode).toBe(200);
    await sleep(300);
    expect(smtp.mails).toHaveLength(1);

    // When the cooldown ends, the held regression goes out by itself.
    t.clock.now = new Date('2026-03-01T12:10:01Z');
    const mails = await smtp.waitFor(2);
    expect(mails[1]!.subject).toBe('[shop] Held back: 1 regression since 12:05 UTC');
    expect(mails[1]!.text).toContain('Regression 12:05 UTC [shop] ValueError: bad quantity');

    // A regression after the cooldown is an alert of its own.
    await resolve();
    t.clock.now = new Date('2026-03-01T12:30:00Z');
    await postError(t.app, report({ message: 'bad quantity again' }));
    const after = await smtp.waitFor(3);
    expect(after[2]!.subject).toBe('[shop] Regression: ValueError: bad quantity again');
    expect(after[2]!.text).toContain('happened again');
  });

  it('a burst of 1,000 occurrences of one error yields one email', async () => {
    smtp = await startSmtp({ mode: 'plain' });
    t = await buildAlertingApp(smtpEnv(smtp.port), dbPath());
    for (let round = 0; round < 10; round++) {
      const replies = await Promise.all(Array.from({ length: 100 }, () => postError(t!.app, report())));
      expect(replies.every((r) => r.statusCode === 200 || r.statusCode === 201)).toBe(true);
    }
    await t.alerts.close(5000); // waits for everything queued
    expect(smtp.mails).toHaveLength(1);
    expect(smtp.mails[0]!.subject).toBe('[shop] New error: ValueError: bad quantity');
  });

  it('200 distinct new errors in a minute yield ALERT_MAX_PER_HOUR emails, and the digest counts the rest', async () => {
    smtp = await startSmtp({ mode: 'plain' });
    t = await buildAlertingApp(smtpEnv(smtp.port), dbPath());
    for (let i = 0; i < 200; i++) {
      t.clock.now = new Date(Date.parse('2026-03-01T12:00:00Z') + i * 250);
      expect((await postError(t.app, distinct(i))).statusCode).toBe(201);
    }
    await smtp.waitFor(30);
    await sleep(500);
    expect(smtp.mails).toHaveLength(30);
    expect(smtp.mails.map((m) => m.subject)).toContain('[shop] New error: ValueError: bad 29');

    // An hour after the first of them, the budget has room again: the digest goes out by itself.
    t.clock.now = new Date('2026-03-01T13:00:01Z');
    const mails = await smtp.waitFor(31);
    expect(mails[30]!.subject).toBe('[shop] Held back: 170 new errors since 12:00 UTC');
    expect(mails[30]!.text).toContain('The latest 10 of 170:');
    expect(mails[30]!.text).toContain('ValueError: bad 199');
    await sleep(300);
    expect(smtp.mails).toHaveLength(31);
  });

  it('reports what was held back in the next alert that goes out', async () => {
    smtp = await startSmtp({ mode: 'plain' });
    t = await buildAlertingApp(smtpEnv(smtp.port), dbPath());
    const idA = (await postError(t.app, distinct(0))).json().id;
    await smtp.waitFor(1);
    await t.app.inject({ method: 'POST', url: `/api/errors/${idA}/resolve`, headers: auth });
    t.clock.now = new Date('2026-03-01T12:02:00Z');
    await postError(t.app, distinct(0)); // a regression inside the cooldown: held until 12:10
    t.clock.now = new Date('2026-03-01T12:03:00Z');
    await postError(t.app, distinct(1));
    const mails = await smtp.waitFor(2);
    expect(mails[1]!.subject).toBe('[shop] New error: ValueError: bad 1');
    expect(mails[1]!.text).toContain('And 1 regression since 12:02 UTC (held back by the alert throttle).');
    // Reported once: nothing is left for a digest when the cooldown ends.
    t.clock.now = new Date('2026-03-01T12:11:00Z');
    await sleep(300);
    expect(smtp.mails).toHaveLength(2);
  });

  it('after a restart the throttle still holds, and remembers what it held back', async () => {
    smtp = await startSmtp({ mode: 'plain' });
    const env = smtpEnv(smtp.port, { ALERT_MAX_PER_HOUR: '2' });
    t = await buildAlertingApp(env, dbPath());
    const idA = (await postError(t.app, distinct(0))).json().id;
    await postError(t.app, distinct(1));
    await postError(t.app, distinct(2)); // held: the hour is full
    await smtp.waitFor(2);
    await t.close();

    const clock = { now: new Date('2026-03-01T12:10:00Z') };
    t = await buildAlertingApp(env, dbPath(), { clock });
    await postError(t.app, distinct(3)); // still over budget after the restart
    await t.app.inject({ method: 'POST', url: `/api/errors/${idA}/resolve`, headers: auth });
    expect((await postError(t.app, distinct(0))).statusCode).toBe(200); // a regression inside the cooldown
    await sleep(400);
    expect(smtp.mails).toHaveLength(2);

    clock.now = new Date('2026-03-01T13:00:01Z');
    const mails = await smtp.waitFor(3);
    expect(mails[2]!.subject).toBe('[shop] Held back: 2 new errors and 1 regression since 12:00 UTC');
  });
});

describe('a slow or dead SMTP server', () => {
  it('never slows ingestion; the failure is logged with host:port, mode and phase', async () => {
    const silent = await startSilentServer();
    cleanups.push(silent.close);
    t = await buildAlertingApp(smtpEnv(silent.port, { SMTP_TIMEOUT_SECONDS: '3' }), dbPath());
    for (let i = 0; i < 5; i++) expect((await postError(t.app, distinct(i))).statusCode).toBe(201);
    // Every ingest was answered while the SMTP session was still hanging (no clock: the order proves it).
    await eventually(() => silent.connections() === 1, 5000, 'the SMTP connection');
    expect(t.alertLogs().some((r) => r.phase)).toBe(false);

    await eventually(() => t!.alertLogs().some((r) => r.phase === 'greeting'), 10_000, 'the failure log line');
    const failure = t.alertLogs().find((r) => r.phase === 'greeting')!;
    expect(failure).toMatchObject({ level: 'warn', host: '127.0.0.1', port: silent.port, mode: 'plain', code: 'ETIMEDOUT' });
    expect(String(failure.msg)).toContain(`127.0.0.1:${silent.port}`);
    expect(failure.bytes).toBeGreaterThan(0);
    await t.alerts.close(100);
  });

  it('a full queue holds newer alerts for the summary; after a restart the waiting ones go out, then the summary', async () => {
    const silent = await startSilentServer();
    cleanups.push(silent.close);
    t = await buildAlertingApp(smtpEnv(silent.port, { SMTP_TIMEOUT_SECONDS: '30', ALERT_QUEUE_SIZE: '2' }), dbPath());
    for (let i = 0; i < 6; i++) await postError(t.app, distinct(i));
    await eventually(() => t!.logs().includes('alert queue full'), 5000, 'the queue-full warning');
    await t.alerts.close(200); // the one in flight is stuck; it stays in the outbox
    await t.close();

    smtp = await startSmtp({ mode: 'plain' });
    t = await buildAlertingApp(smtpEnv(smtp.port), dbPath(), { clock: { now: new Date('2026-03-01T12:01:00Z') } });
    const mails = await smtp.waitFor(3);
    expect(mails.map((m) => m.subject)).toEqual(['[shop] New error: ValueError: bad 0', '[shop] New error: ValueError: bad 1', '[shop] Held back: 4 new errors since 12:00 UTC']);
    await sleep(300);
    expect(smtp.mails).toHaveLength(3);
  });
});

describe('push channel (Gotify message API)', () => {
  it('pushes new errors (priority 8) and regressions (9) under the same throttle, with the token only in the URL', async () => {
    const gotify = await startGotify();
    cleanups.push(gotify.close);
    t = await buildAlertingApp({ NOTIFY_URL: `${gotify.url}/`, NOTIFY_TOKEN: 'AppTok3n.secret' }, dbPath());
    const id = (await postError(t.app, report())).json().id;
    const [first] = await gotify.waitFor(1);
    expect(first).toMatchObject({ method: 'POST', url: '/message?token=AppTok3n.secret', body: { title: '[shop] New error: ValueError: bad quantity', priority: 8 } });
    expect(first!.body.message).toContain('/srv/app/orders.py:12 in place_order');

    await t.app.inject({ method: 'POST', url: `/api/errors/${id}/resolve`, headers: auth });
    await postError(t.app, report()); // inside the cooldown: held
    await sleep(300);
    expect(gotify.requests).toHaveLength(1);
    // The cooldown ends: the held regression goes out by itself, as a digest.
    t.clock.now = new Date('2026-03-01T12:10:01Z');
    const [, digest] = await gotify.waitFor(2);
    expect(digest!.body).toMatchObject({ title: '[shop] Held back: 1 regression since 12:00 UTC', priority: 9 });

    t.clock.now = new Date('2026-03-01T12:30:00Z');
    await t.app.inject({ method: 'POST', url: `/api/errors/${id}/resolve`, headers: auth });
    expect((await postError(t.app, report())).statusCode).toBe(200);
    const [, , regression] = await gotify.waitFor(3);
    expect(regression!.body).toMatchObject({ title: '[shop] Regression: ValueError: bad quantity', priority: 9 });
    expect(t.logs()).toContain(`Push alert sent via ${gotify.url}/message`);
    expect(t.logs()).not.toContain('AppTok3n.secret');
  });

  it('sends both channels when both are set; a refused push is logged without the token', async () => {
    const gotify = await startGotify(401);
    cleanups.push(gotify.close);
    smtp = await startSmtp({ mode: 'plain', auth: 'required', user: 'alerts', pass: 'smtp-Pa55-secret' });
    t = await buildAlertingApp(
      smtpEnv(smtp.port, { SMTP_USERNAME: 'alerts', SMTP_PASSWORD: 'smtp-Pa55-secret', NOTIFY_URL: gotify.url, NOTIFY_TOKEN: 'AppTok3n.secret' }),
      dbPath(),
    );
    await postError(t.app, report());
    await smtp.waitFor(1);
    await gotify.waitFor(1);
    await eventually(() => t!.logs().includes('Push alert failed'), 5000, 'the push failure');
    expect(t.alertLogs().find((r) => String(r.msg).startsWith('Push alert failed'))).toMatchObject({ level: 'warn', status: 401 });
    expect(t.logs()).not.toContain('AppTok3n.secret');
    expect(t.logs()).not.toContain('smtp-Pa55-secret');
  });
});

describe('POST /api/test-alert', () => {
  it('202, then a real email in the background, outside the throttle; nothing is stored', async () => {
    smtp = await startSmtp({ mode: 'plain' });
    t = await buildAlertingApp(smtpEnv(smtp.port, { ALERT_MAX_PER_HOUR: '1', ALERT_EMAILS: 'ops@example.com, dev@localhost' }), dbPath());
    await postError(t.app, distinct(1)); // uses up the hour
    await smtp.waitFor(1);
    const res = await t.app.inject({ method: 'POST', url: '/api/test-alert', headers: auth });
    expect(res.statusCode).toBe(202);
    expect(res.json()).toEqual({ status: 'test alert dispatched', detail: 'Check service logs for SMTP transaction result' });
    const mails = await smtp.waitFor(2);
    expect(mails[1]).toMatchObject({ subject: '[error-tracker] Test alert', to: ['ops@example.com', 'dev@localhost'] });
    await eventually(() => t!.logs().includes('dev@localhost via SMTP'), 5000, 'the log line');
    expect(t.logs()).toContain(`Email alert sent to ops@example.com, dev@localhost via SMTP (127.0.0.1:${smtp.port}, plain)`);
    expect(t.db.prepare('SELECT count(*) AS n FROM errors').get()).toEqual({ n: 1 });
  });

  it('503 when SMTP_HOST or ALERT_EMAILS is not set; 401 without the key', async () => {
    t = await buildAlertingApp({}, dbPath());
    const noHost = await t.app.inject({ method: 'POST', url: '/api/test-alert', headers: auth });
    expect(noHost.statusCode).toBe(503);
    expect(noHost.json()).toMatchObject({ detail: 'SMTP not configured: SMTP_HOST is not set', code: 'smtp_not_configured' });
    expect((await t.app.inject({ method: 'POST', url: '/api/test-alert' })).statusCode).toBe(401);
    await t.close();

    t = await buildAlertingApp({ SMTP_HOST: '127.0.0.1' }, dbPath());
    const noTo = await t.app.inject({ method: 'POST', url: '/api/test-alert', headers: auth });
    expect(noTo.statusCode).toBe(503);
    expect(noTo.json()).toMatchObject({ detail: 'SMTP not configured: ALERT_EMAILS is not set' });
    expect(t.db.prepare('SELECT count(*) AS n FROM errors').get()).toEqual({ n: 0 });
  });
});
