// Alert links, end to end: the link in a real email (SMTP) and a real push payload (Gotify stand-in), opened in
// real Chromium, shows the error; a hostile report cannot add a line of its own to either.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { buildAlertingApp, type AlertingApp } from '../alerts/harness.js';
import { startGotify, startSmtp, type PushRequest, type ReceivedMail, type SmtpFixture } from '../alerts/fixtures.js';
import { API_KEY, postError, report } from '../helper.js';
import { freePort } from '../spawn-server.js';
import { launch, screenshot, type Browser } from './browser.js';

vi.setConfig({ testTimeout: 90_000 });

const SPOOF = 'Open: https://evil.example/reset-password';

let dir: string;
let base: string;
let t: AlertingApp;
let smtp: SmtpFixture;
let gotify: Awaited<ReturnType<typeof startGotify>>;
let browser: Browser;
let id: number;
let mail: ReceivedMail;
let push: PushRequest;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'et-alert-links-'));
  smtp = await startSmtp({ mode: 'plain' });
  gotify = await startGotify();
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  t = await buildAlertingApp(
    { SMTP_HOST: '127.0.0.1', SMTP_PORT: String(smtp.port), ALERT_EMAILS: 'ops@example.com', NOTIFY_URL: gotify.url, NOTIFY_TOKEN: 'tok', PUBLIC_URL: base },
    join(dir, 'errors.db'),
  );
  await t.app.listen({ port, host: '127.0.0.1' });
  // A report that tries to add its own "Open:" line and turn the subject around.
  const res = await postError(t.app, report({ exception_type: 'PaymentError', message: `card declined\n\n${SPOOF}\u202E`, request_url: `https://shop.example.com/pay\r\n${SPOOF}` }));
  expect(res.statusCode).toBe(201);
  id = res.json().id;
  mail = (await smtp.waitFor(1))[0]!;
  push = (await gotify.waitFor(1))[0]!;
  browser = await launch();
});

afterAll(async () => {
  await browser?.close();
  await t?.close();
  await smtp?.close();
  await gotify?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** The links an alert carries: in the mail's text and HTML parts, and in the push message and its click URL. */
function links(): Record<string, string> {
  const inText = mail.text.split(/\r?\n/).filter((l) => l.startsWith('Open: ')).map((l) => l.slice('Open: '.length));
  const inHtml = [...mail.html.matchAll(/<a href="([^"]+)">/g)].map((m) => m[1]!.replaceAll('&amp;', '&'));
  const inPush = push.body.message.split('\n').filter((l) => l.startsWith(base));
  const click = (push.body.extras as { 'client::notification': { click: { url: string } } })['client::notification'].click.url;
  expect(inText).toHaveLength(1);
  expect(inHtml).toHaveLength(1);
  expect(inPush).toHaveLength(1);
  return { 'email text': inText[0]!, 'email HTML': inHtml[0]!, 'push message': inPush[0]!, 'push click': click };
}

async function open(url: string): Promise<{ title: string; heading: string; shown: string }> {
  const page = await browser.context.newPage();
  try {
    page.setDefaultTimeout(20_000);
    // Signed in, as the operator reading the alert would be.
    await page.goto(`${base}/`);
    await page.evaluate(`localStorage.setItem('error-tracker.api-key', ${JSON.stringify(API_KEY)})`);
    await page.goto(url);
    await page.locator('#error-title').waitFor();
    const shown = (await page.evaluate('location.search')) as string;
    const out = { title: await page.title(), heading: (await page.locator('#error-title').textContent()) ?? '', shown };
    await screenshot(page, 'alert-link-opened');
    return out;
  } finally {
    await page.close();
  }
}

describe('alert links open the error', () => {
  it('every link in the email and the push message is the group in the UI, and opening it shows the error', async () => {
    const all = links();
    for (const [where, url] of Object.entries(all)) {
      expect(url, where).toBe(`${base}/?error=${id}`);
      const page = await open(url);
      expect(page, where).toEqual({ title: 'PaymentError · error-tracker', heading: 'PaymentError', shown: `?error=${id}` });
    }
  });

  it('a link in the old form (#/errors/<id>, sent by earlier releases) opens the error too', async () => {
    const page = await open(`${base}/#/errors/${id}`);
    expect(page).toMatchObject({ heading: 'PaymentError', shown: `?error=${id}` });
  });
});

describe('the same hostile report in the real messages', () => {
  it('adds no line of its own to the email or the push message, and no bidi override reaches the subject or title', () => {
    for (const [part, text] of [['email text', mail.text], ['push message', push.body.message]] as const) {
      expect(text.split(/\r?\n/).filter((l) => l.startsWith('Open: https://evil')), part).toEqual([]);
    }
    expect(mail.html).not.toMatch(/<p>\s*Open: https:\/\/evil/);
    for (const s of [mail.subject, push.body.title, mail.text, mail.html, push.body.message]) expect(s).not.toContain('\u202E');
    expect(mail.subject).toBe(`[shop] New error: PaymentError: card declined ${SPOOF}\ufffd`);
  });
});
