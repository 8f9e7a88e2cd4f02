// Triage in the UI (issue 18), real Chromium on real data: the 14-day chart with release markers, the Releases view, status, sort, users and bulk actions.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, expect, it, vi } from 'vitest';
import { API_KEY, auth, buildTestApp, postError, report, type TestApp } from '../helper.js';
import { accessibilityViolations, launch, screenshot, type Browser } from './browser.js';

vi.setConfig({ testTimeout: 120_000 });

let t: TestApp;
let base: string;
let dir: string;
let browser: Browser;
let page: Page;
let consoleLines: string[] = [];
let checkout = 0;
const NOW = Date.parse('2026-03-15T12:00:00Z');
const DAY = 24 * 3600_000;
/** Four releases over the fortnight: each is first seen on the day its events start. */
const releaseOfDay = (d: number) => `2.${Math.floor((13 - d) / 4)}.0`;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'et-triage-ui-'));
  t = await buildTestApp({}, join(dir, 'errors.db'));
  await t.app.listen({ port: 0, host: '127.0.0.1' });
  base = `http://127.0.0.1:${(t.app.server.address() as { port: number }).port}`;
  // 14 days of a checkout error: more each day, several users, at hours across the day; a search error now and then.
  for (let d = 13; d >= 0; d--) {
    for (let k = 0; k <= 13 - d; k++) {
      // Some hours take several events, so the bars differ in height.
      const at = new Date(NOW - d * DAY - ((k * 5) % 7) * 3600_000 - k * 60_000);
      t.clock.now = at;
      const res = await postError(t.app, report({ exception_type: 'CheckoutError', message: 'card declined', release: releaseOfDay(d), user_id: `u${k % 6}`, timestamp: at.toISOString() }));
      checkout = res.json().id;
      if (k % 4 === 0) await postError(t.app, report({ exception_type: 'SearchError', message: 'index offline', traceback: 'File "/srv/app/search.py", line 4, in find\n', release: releaseOfDay(d), timestamp: at.toISOString() }));
    }
  }
  await postError(t.app, report({ exception_type: 'LoginError', message: 'token expired', traceback: 'File "/srv/app/login.py", line 9, in login\n', user_id: 'u1', timestamp: new Date(NOW - 3600_000).toISOString() }));
  t.clock.now = new Date(NOW);
  await t.releaseStore.addDeploy({ project: 'shop', version: '2.3.0', environment: 'production', name: null, url: null, startedAt: null, finishedAt: new Date(NOW - 2 * DAY).toISOString() });
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

async function open(path: string): Promise<Page> {
  page = await browser.context.newPage();
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

it('draws the 14-day chart with axes and release markers, and resolves in the next release', async () => {
  const p = await open(`/?error=${checkout}`);
  const chart = p.locator('svg#trend-14d');
  await chart.waitFor();
  const api = (await t.app.inject({ url: `/api/errors/${checkout}/trend`, headers: auth })).json();
  const hoursWithEvents = api.counts.filter((c: number) => c > 0).length;
  expect(hoursWithEvents).toBeGreaterThan(20);
  expect(await chart.locator('rect.bar').count()).toBe(hoursWithEvents);
  expect(await chart.locator('.release-marker text').allTextContents()).toEqual(expect.arrayContaining(['2.0.0', '2.1.0', '2.2.0', '2.3.0']));
  const labels = await chart.locator('.tick text').allTextContents();
  expect(labels).toContain('0');
  expect(labels).toContain('03-14');
  expect(await p.locator('.trend-chart figcaption').textContent()).toContain(`${api.counts.reduce((a: number, b: number) => a + b, 0)} events in the last 14 days`);
  expect(await p.locator('.summary .facts').textContent()).toContain('Users6');
  expect(await p.locator('.summary .facts').textContent()).toContain('First release2.0.0');
  expect(await accessibilityViolations(p)).toEqual([]);
  await screenshot(p, 'triage-error-chart');

  await p.locator('#resolve-next').click();
  await p.locator('#state-note').waitFor();
  expect(await p.locator('#state-note').textContent()).toContain('Resolved in release 2.3.0');
  expect((await t.app.inject({ url: `/api/errors/${checkout}`, headers: auth })).json().error).toMatchObject({ status: 'resolved', resolved_in: '2.3.0' });
  await p.locator('#toggle-resolved', { hasText: 'Reopen' }).click();
  await p.locator('#resolve-next').waitFor();
});

it('lists the releases newest first with deploys and counts, each linking to the list filtered to it', async () => {
  const p = await open('/?view=releases&project=shop');
  const table = p.locator('#releases-table');
  await table.waitFor();
  expect(await table.locator('tbody tr .release-link').allTextContents()).toEqual(['2.3.0', '2.2.0', '2.1.0', '2.0.0']);
  const newest = await table.locator('tbody tr').first().locator('td').allTextContents();
  expect(newest[2]).toBe('production');
  const { releases } = (await t.app.inject({ url: '/api/releases?project=shop', headers: auth })).json();
  expect(newest.slice(3)).toEqual([String(releases[0].new_groups), String(releases[0].regressions), releases[0].events.toLocaleString('en')]);
  expect(await table.locator('tbody tr').last().locator('td').nth(3).textContent()).toBe('2'); // checkout and search started in 2.0.0
  expect(await accessibilityViolations(p)).toEqual([]);
  await screenshot(p, 'triage-releases');

  await table.locator('tbody tr .release-link', { hasText: '2.0.0' }).click();
  await p.waitForURL(/release=2\.0\.0/);
  await p.locator('section.results[aria-busy="false"]').waitFor();
  expect((await p.locator('table.errors tbody tr .type').allTextContents()).sort()).toEqual(['CheckoutError', 'SearchError']);
});

it('sorts by users, shows users and first release, and ignores then reopens a selection in bulk', async () => {
  const p = await open('/?sort=users');
  await p.locator('section.results[aria-busy="false"]').waitFor();
  expect(await p.locator('table.errors tbody tr .type').allTextContents()).toEqual(['CheckoutError', 'LoginError', 'SearchError']);
  expect(await p.locator('table.errors tbody tr .c-users').allTextContents()).toEqual(['Users 6', 'Users 1', 'Users 0']);
  expect(await p.locator('table.errors tbody tr').first().locator('.first-release').textContent()).toBe('since 2.0.0');

  await p.locator('tr', { hasText: 'LoginError' }).locator('input.select-row').check();
  await p.locator('tr', { hasText: 'SearchError' }).locator('input.select-row').check();
  expect(await p.locator('#bulk-count').textContent()).toBe('2 selected');
  await p.locator('#bulk-ignore').click();
  await p.locator('table.errors tbody tr', { hasText: 'CheckoutError' }).waitFor();
  await expect.poll(() => p.locator('table.errors tbody tr').count()).toBe(1);
  await p.locator('#f-status').selectOption('ignored');
  await p.waitForURL(/status=ignored/);
  await p.locator('section.results[aria-busy="false"]').waitFor();
  await expect.poll(() => p.locator('table.errors tbody tr .status').allTextContents()).toEqual(['Ignored', 'Ignored']);
  expect(await accessibilityViolations(p)).toEqual([]);
  await screenshot(p, 'triage-list-ignored');
  await p.locator('#select-all').check();
  await p.locator('#bulk-reopen').click();
  await expect.poll(() => p.locator('table.errors tbody tr').count()).toBe(0);
  expect((await t.app.inject({ url: '/api/errors?status=unresolved', headers: auth })).json().total).toBe(3);
});
