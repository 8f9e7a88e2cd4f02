// The Projects page's alerts in real headless Chromium (issue 19): channels and rules per project, their last results, a test button, the editor; screenshots.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { API_KEY, buildTestApp, type TestApp } from '../helper.js';
import { startReceiver, type Receiver } from '../alerts/channels/receiver.js';
import { accessibilityViolations, launch, screenshot, type Browser } from './browser.js';

vi.setConfig({ testTimeout: 90_000 });

let t: TestApp;
let base: string;
let dir: string;
let browser: Browser;
let ok: Receiver;
let down: Receiver;

const api = (path: string, init: RequestInit = {}) =>
  fetch(`${base}${path}`, { ...init, headers: { 'content-type': 'application/json', 'x-api-key': API_KEY, ...(init.headers as Record<string, string>) } });

beforeAll(async () => {
  ok = await startReceiver();
  // A receiver that is having a bad day: 503 with Retry-After.
  down = await startReceiver((_r, res) => res.writeHead(503, { 'retry-after': '30' }).end('maintenance'));
  dir = mkdtempSync(join(tmpdir(), 'et-ui-alerts-'));
  t = await buildTestApp({ ALERT_WEBHOOKS: `slack=${ok.origin}/services/GLOBALSECRET1/x`, PUBLIC_URL: 'https://errors.example.com' }, join(dir, 'errors.db'));
  t.clock.now = new Date();
  await t.app.listen({ port: 0, host: '127.0.0.1' });
  base = `http://127.0.0.1:${(t.app.server.address() as { port: number }).port}`;
  for (const name of ['checkout', 'search']) await api('/api/projects', { method: 'POST', body: JSON.stringify({ name }) });
  await api('/api/projects/checkout/alerts', {
    method: 'PUT',
    body: JSON.stringify({
      rules: { spike: { events: 100, minutes: 5, times_usual: 10 }, impact: { users: 50 } },
      channels: [
        { kind: 'discord', url: `${ok.origin}/api/webhooks/123/DISCORDSECRET` },
        { kind: 'ntfy', url: `${down.origin}/NTFYTOPICSECRET`, token: 'tk_NTFYTOKENSECRET' },
      ],
    }),
  });
  browser = await launch();
});

afterAll(async () => {
  await browser?.close();
  await t?.close();
  await ok?.close();
  await down?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function projectsPage(width: number): Promise<Page> {
  const page = await browser.context.newPage();
  await page.setViewportSize({ width, height: 900 });
  page.setDefaultTimeout(20_000);
  await page.goto(base);
  await page.evaluate('localStorage.clear()');
  await page.reload();
  await page.getByLabel('API key').fill(API_KEY);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.locator('section.results[aria-busy="false"]').waitFor();
  await page.getByRole('link', { name: 'Projects' }).click();
  await page.locator('[aria-busy="false"] ul.projects').waitFor();
  return page;
}

describe('alerts on the Projects page', () => {
  it('shows rules and channels, sends a test and shows each result, without ever showing a secret', async () => {
    const page = await projectsPage(1280);
    const card = page.locator('li.project').filter({ hasText: 'checkout' });
    await card.getByRole('button', { name: 'Alerts of checkout' }).click();
    const channels = card.locator('li.channel');
    await expect.poll(() => channels.count()).toBe(3);
    expect(await card.locator('.rules').textContent()).toBe('Rules New group on · Regression on · Spike > 100 events in 5 min and 10× the usual rate · Impact 50 users in an hour · Cooldown default');
    expect(await channels.locator('.kind').allTextContents()).toEqual(['Discord', 'ntfy', 'Slack · all projects']);
    expect(await channels.locator('code').allTextContents()).toEqual([`${ok.origin}/api/…`, `${down.origin}/…`, `${ok.origin}/services/…`]);
    expect(await channels.locator('.delivery').allTextContents()).toEqual(['No delivery yet', 'No delivery yet', 'No delivery yet']);

    await card.getByRole('button', { name: 'Send test' }).click();
    await expect.poll(() => card.locator('[role="status"]').textContent()).toBe('Test: 1 of 3 channels failed.');
    const results = await channels.locator('.delivery strong').allTextContents();
    expect(results).toEqual(['Delivered (HTTP 200)', 'Failed (HTTP 503), will retry', 'Delivered (HTTP 200)']);
    expect(await channels.nth(1).locator('.delivery-error').textContent()).toContain('HTTP 503: maintenance');
    // The receivers got one request each, in their own formats.
    expect(ok.received.map((r) => r.url).sort()).toEqual(['/api/webhooks/123/DISCORDSECRET', '/services/GLOBALSECRET1/x']);
    expect(down.received[0]!.headers.authorization).toBe('Bearer tk_NTFYTOKENSECRET');

    const html = await page.content();
    for (const s of ['DISCORDSECRET', 'NTFYTOPICSECRET', 'NTFYTOKENSECRET', 'GLOBALSECRET1']) expect(html).not.toContain(s);
    expect(await accessibilityViolations(page)).toEqual([]);
    await screenshot(page, 'project-alerts-desktop');
    await page.close();
  });

  it('edits rules and channels: a new channel is added, the stored secrets of the others are kept', async () => {
    const page = await projectsPage(1280);
    const card = page.locator('li.project').filter({ hasText: 'search' });
    await card.getByRole('button', { name: 'Alerts of search' }).click();
    await card.getByRole('button', { name: 'Edit alerts' }).click();
    await card.getByLabel('Regression').uncheck();
    await card.getByLabel('Impact: users in an hour').fill('25');
    await card.getByLabel('Spike: more than … events').fill('40');
    await card.getByLabel('… in minutes').fill('10');
    await card.getByRole('button', { name: 'Add channel' }).click();
    await card.getByLabel('Kind').selectOption('webhook');
    await card.getByLabel('URL').fill(`${ok.origin}/hooks/WEBHOOKSECRET`);
    await card.getByLabel('Signing secret').fill('a-signing-secret-0123456789');
    expect(await accessibilityViolations(page)).toEqual([]);
    await screenshot(page, 'project-alerts-editor');
    await card.getByRole('button', { name: 'Save' }).click();
    await expect.poll(() => card.locator('li.channel').count()).toBe(2);
    expect(await card.locator('.rules').textContent()).toContain('Regression off');
    expect(await card.locator('.rules').textContent()).toContain('Impact 25 users in an hour');
    expect(await card.locator('.rules').textContent()).toContain('Spike > 40 events in 10 min ·');
    expect(await page.content()).not.toContain('WEBHOOKSECRET');

    // Edit again without touching the channel: its URL and secret stay as stored.
    await card.getByRole('button', { name: 'Edit alerts' }).click();
    await card.getByLabel('Regression').check();
    await card.getByRole('button', { name: 'Save' }).click();
    await expect.poll(() => card.locator('.rules').textContent()).toContain('Regression on');
    ok.received.length = 0;
    const test = (await (await api('/api/projects/search/alerts/test', { method: 'POST' })).json()) as { results: Array<{ kind: string; ok: boolean }> };
    expect(test.results.map((r) => [r.kind, r.ok])).toEqual([
      ['webhook', true],
      ['slack', true],
    ]);
    expect(ok.received.find((r) => r.url === '/hooks/WEBHOOKSECRET')?.headers['x-error-tracker-signature']).toMatch(/^sha256=/);
    await page.close();
  });

  it('fits a phone-sized screen without sideways scrolling', async () => {
    const page = await projectsPage(390);
    const card = page.locator('li.project').filter({ hasText: 'checkout' });
    await card.getByRole('button', { name: 'Alerts of checkout' }).click();
    await expect.poll(() => card.locator('li.channel').count()).toBe(3);
    await card.getByRole('button', { name: 'Edit alerts' }).click();
    expect(await page.evaluate('document.scrollingElement.scrollWidth')).toBeLessThanOrEqual(390);
    await screenshot(page, 'project-alerts-phone');
    await page.close();
  });
});
