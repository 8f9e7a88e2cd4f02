// The whole event in the UI (issue 16), real Chromium: breadcrumbs, chain, user, tags, contexts, tag distributions, list filters in the address.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, expect, it, vi } from 'vitest';
import { API_KEY, auth, buildTestApp, type TestApp } from '../helper.js';
import { accessibilityViolations, launch, screenshot, type Browser } from './browser.js';

vi.setConfig({ testTimeout: 90_000 });

let t: TestApp;
let base: string;
let dir: string;
let browser: Browser;
let page: Page;
let consoleLines: string[] = [];
let groupId = 0;

/** What @sentry/node sends for a handled error with scope data, posted as an envelope. */
function event(i: number, browserName: string) {
  const now = Date.now() / 1000;
  return {
    event_id: `${String(i).padStart(2, '0')}${'e'.repeat(30)}`,
    timestamp: now,
    platform: 'node',
    level: 'error',
    logger: 'checkout',
    server_name: 'web-1',
    release: 'shop@2.14.0',
    environment: 'production',
    sdk: { name: 'sentry.javascript.node', version: '10.78.0' },
    user: { id: `user-${i}`, email: `buyer${i}@example.com`, username: 'buyer', ip_address: '10.1.2.3', segment: 'paid' },
    tags: { browser: browserName, region: 'eu-west', feature: 'checkout', api_token: 'tok-secret' },
    contexts: { os: { name: 'Linux', version: '6.1.0' }, runtime: { name: 'node', version: 'v20.20.2' }, trace: { trace_id: 'a'.repeat(32), span_id: 'b'.repeat(16) } },
    breadcrumbs: [
      { timestamp: now - 5, category: 'console', level: 'info', message: 'cart loaded with 3 items' },
      { timestamp: now - 3, type: 'http', category: 'http', data: { url: 'https://pay.example/charge?token=t0k&amount=12', method: 'POST', status_code: 502 } },
      { timestamp: now - 1, category: 'auth', level: 'warning', message: 'payment retry', data: { attempt: 2, password: 'hunter2' } },
    ],
    exception: {
      values: [
        { type: 'Error', value: 'socket hang up', mechanism: { type: 'chained', source: 'cause', exception_id: 1, parent_id: 0 }, stacktrace: { frames: [{ filename: '/srv/shop/src/pay.js', function: 'charge', lineno: 12, colno: 9, in_app: true, context_line: '  const res = await fetch(url, { method: "POST" });' }] } },
        { type: 'PaymentError', value: 'charge failed', mechanism: { type: 'generic', handled: false, exception_id: 0 }, stacktrace: { frames: [{ filename: '/srv/shop/node_modules/express/lib/router/layer.js', function: 'Layer.handle', lineno: 95, in_app: false }, { filename: '/srv/shop/src/checkout.js', function: 'checkout', lineno: 40, colno: 11, in_app: true, context_line: '    throw new PaymentError("charge failed", { cause });' }] } },
      ],
    },
  };
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'et-event-ui-'));
  t = await buildTestApp({}, join(dir, 'errors.db'));
  await t.app.listen({ port: 0, host: '127.0.0.1' });
  base = `http://127.0.0.1:${(t.app.server.address() as { port: number }).port}`;
  const project = (await t.app.inject({ method: 'POST', url: '/api/projects', headers: auth, payload: { name: 'shop' } })).json();
  for (let i = 0; i < 4; i++) {
    const e = event(i, i < 3 ? 'Firefox' : 'Chrome');
    const body = `${JSON.stringify({ event_id: e.event_id })}\n{"type":"event"}\n${JSON.stringify(e)}`;
    const res = await fetch(`${base}/api/${project.id}/envelope/?sentry_key=${project.ingest_key}`, { method: 'POST', body });
    expect(res.status).toBe(200);
  }
  await fetch(`${base}/api/errors`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-api-key': API_KEY }, body: JSON.stringify({ project: 'shop', exception_type: 'PlainError', message: 'no tags here', level: 'warning' }) });
  groupId = (await t.app.inject({ url: '/api/errors?tag=browser:Firefox', headers: auth })).json().errors[0].id;
  browser = await launch();
});

afterAll(async () => {
  await browser?.close();
  await t?.close();
  rmSync(dir, { recursive: true, force: true });
});

afterEach(async () => {
  expect(consoleLines.filter((l) => /Content Security Policy|pageerror/i.test(l))).toEqual([]);
  if (page.url().startsWith(base)) await page.evaluate('localStorage.clear()');
  await page.close();
});

async function open(path: string, width = 1280): Promise<Page> {
  page = await browser.context.newPage();
  await page.setViewportSize({ width, height: 900 });
  consoleLines = [];
  page.setDefaultTimeout(20_000);
  page.on('console', (m) => consoleLines.push(`${m.type()}: ${m.text()}`));
  page.on('pageerror', (e) => consoleLines.push(`pageerror: ${e.message}`));
  await page.goto(base + path);
  await page.getByLabel('API key').fill(API_KEY);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('button', { name: 'Sign out' }).waitFor();
  return page;
}

it('shows breadcrumbs, the chain, user, tags, contexts and the tag distributions of a real event', async () => {
  const p = await open(`/?error=${groupId}`);
  const occurrence = p.locator('article.occurrence').first();
  await occurrence.waitFor();
  const crumbs = occurrence.locator('.breadcrumbs .timeline li');
  expect(await crumbs.count()).toBe(3);
  expect(await crumbs.nth(1).textContent()).toContain('token=[redacted]');
  expect(await crumbs.nth(2).textContent()).toContain('"password":"[redacted]"');
  const chain = occurrence.locator('.chain');
  expect(await chain.locator('.chain-head').allTextContents()).toEqual([expect.stringContaining('PaymentError: charge failed'), expect.stringContaining('Error: socket hang up')]);
  expect(await chain.locator('.tag.unhandled').count()).toBe(1);
  expect(await occurrence.locator('table.user').textContent()).toContain('buyer3@example.com');
  const tags = await occurrence.locator('table.tags').textContent();
  expect(tags).toContain('eu-west');
  expect(tags).toContain('[redacted]');
  expect(tags).not.toContain('tok-secret');
  expect(await occurrence.locator('.contexts caption').allTextContents()).toEqual(['os', 'runtime', 'trace']);
  expect(await occurrence.locator('.event-facts').textContent()).toContain('sentry.javascript.node 10.78.0');
  const browserCard = p.locator('.tag-dist .tag-card', { has: p.locator('h3', { hasText: /^browser$/ }) });
  expect(await browserCard.locator('li').allTextContents()).toEqual(['Firefox75%', 'Chrome25%']);
  expect(await p.locator('#tags-title').textContent()).toContain('4 distinct users');
  expect(await accessibilityViolations(p)).toEqual([]);
  await screenshot(p, 'event-details-desktop');
  await p.setViewportSize({ width: 390, height: 844 });
  expect(await p.evaluate('document.scrollingElement.scrollWidth')).toBeLessThanOrEqual(390);
  await screenshot(p, 'event-details-phone');
});

it('filters the list by tag, release, environment and level, and keeps them in the address', async () => {
  const p = await open('/?tag=browser:Chrome');
  await p.locator('section.results[aria-busy="false"]').waitFor();
  expect(await p.locator('table.errors tbody tr .type').allTextContents()).toEqual(['PaymentError']);
  expect(await p.locator('#f-tags').inputValue()).toBe('browser:Chrome');
  await p.locator('#f-tags').fill('browser:Safari');
  await p.locator('#f-tags').press('Enter');
  await p.waitForURL(/tag=browser%3ASafari/);
  await p.locator('section.results[aria-busy="false"]').waitFor();
  expect(await p.locator('table.errors tbody tr').count()).toBe(0);
  await p.goto(`${base}/`);
  await p.locator('section.results[aria-busy="false"]').waitFor();
  await p.locator('#f-level').selectOption('warning');
  await p.waitForURL(/level=warning/);
  await p.locator('section.results[aria-busy="false"]').waitFor();
  expect(await p.locator('table.errors tbody tr .type').allTextContents()).toEqual(['PlainError']);
  await p.goto(`${base}/?release=shop%402.14.0&environment=production`);
  await p.locator('section.results[aria-busy="false"]').waitFor();
  expect(await p.locator('table.errors tbody tr .type').allTextContents()).toEqual(['PaymentError']);
  expect(await p.locator('#f-release').inputValue()).toBe('shop@2.14.0');
  expect(await accessibilityViolations(p)).toEqual([]);
  await screenshot(p, 'event-list-filters-desktop');
});
