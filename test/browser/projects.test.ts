// The Projects page in real headless Chromium (issues 14 and 15): one request for 40 projects, natural order, quotas and drops.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { API_KEY, buildTestApp, report, type TestApp } from '../helper.js';
import { accessibilityViolations, launch, screenshot, type Browser } from './browser.js';

// A real browser on a shared, noisy machine: generous bounds, so slowness is not read as failure.
vi.setConfig({ testTimeout: 90_000 });

const PROJECTS = 40;
let t: TestApp;
let base: string;
let dir: string;
let browser: Browser;

const api = (path: string, init: RequestInit = {}) =>
  fetch(`${base}${path}`, { ...init, headers: { 'content-type': 'application/json', 'x-api-key': API_KEY, ...(init.headers as Record<string, string>) } });

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'et-ui-projects-'));
  t = await buildTestApp({}, join(dir, 'errors.db'));
  t.clock.now = new Date();
  await t.app.listen({ port: 0, host: '127.0.0.1' });
  base = `http://127.0.0.1:${(t.app.server.address() as { port: number }).port}`;
  // Created in an order that text sorting would keep wrong (svc-10 before svc-2).
  for (let i = PROJECTS; i >= 1; i--) await api('/api/projects', { method: 'POST', body: JSON.stringify({ name: `svc-${i}` }) });
  for (let i = 1; i <= 3; i++) await api('/api/errors', { method: 'POST', body: JSON.stringify(report({ project: 'svc-2', exception_type: `E${i}` })) });
  // svc-3 floods past a small quota: one stored, two dropped.
  await api('/api/projects/svc-3/quota', { method: 'PUT', body: JSON.stringify({ events_per_minute: 1, events_per_hour: null }) });
  for (let i = 0; i < 3; i++) await api('/api/errors', { method: 'POST', body: JSON.stringify(report({ project: 'svc-3' })) });
  browser = await launch();
});

afterAll(async () => {
  await browser?.close();
  await t?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function signedIn(width: number): Promise<{ page: Page; apiRequests: string[] }> {
  const page = await browser.context.newPage();
  await page.setViewportSize({ width, height: 900 });
  page.setDefaultTimeout(20_000);
  const apiRequests: string[] = [];
  page.on('request', (r) => {
    const url = new URL(r.url());
    if (url.pathname.startsWith('/api/')) apiRequests.push(`${r.method()} ${url.pathname}`);
  });
  await page.goto(base);
  // The profile is shared by the file's tests: each starts signed out.
  await page.evaluate('localStorage.clear()');
  await page.reload();
  await page.getByLabel('API key').fill(API_KEY);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.locator('section.results[aria-busy="false"]').waitFor();
  return { page, apiRequests };
}

describe('the Projects page', () => {
  it(`shows ${PROJECTS} projects from one request, in natural order, with counts, keys, quotas and drops`, async () => {
    const { page, apiRequests } = await signedIn(1280);
    apiRequests.length = 0;
    await page.getByRole('link', { name: 'Projects' }).click();
    const cards = page.locator('li.project');
    await expect.poll(() => cards.count()).toBe(PROJECTS);
    await page.locator('[aria-busy="false"] ul.projects').waitFor();
    await page.locator('.token-list[aria-busy="false"]').waitFor();
    // 1 + 3N (121) before; the API tokens section below the projects is one more, however many projects.
    expect(apiRequests.sort()).toEqual(['GET /api/projects', 'GET /api/tokens']);

    const names = await page.locator('li.project h2').allTextContents();
    expect(names).toEqual(Array.from({ length: PROJECTS }, (_, i) => `svc-${i + 1}`));
    const svc2 = cards.nth(1);
    expect(await svc2.locator('.counts').textContent()).toBe('3 unresolved · 3 error groups in all');
    expect(await svc2.locator('.dropped').textContent()).toBe('No events dropped over quota.');
    expect(await svc2.locator('.quota').textContent()).toContain('6,000 events/min · 120,000 events/h (default)');
    const svc2Api = (await (await api('/api/projects/svc-2')).json()) as { ingest_key: string; dsn: string };
    expect(await svc2.locator('code').allTextContents()).toEqual([svc2Api.ingest_key, svc2Api.dsn]);
    const svc3 = cards.nth(2);
    expect(await svc3.locator('.dropped').textContent()).toBe('2 dropped this hour · 2 in 24 h · 2 in all (over quota)');
    expect(await svc3.locator('.quota').textContent()).toContain('1 events/min · 120,000 events/h (set for this project)');
    expect(await accessibilityViolations(page)).toEqual([]);
    await screenshot(page, 'projects-desktop');

    // Editing a quota: one PUT, and the card shows what the service answered.
    apiRequests.length = 0;
    const svc5 = cards.nth(4);
    await svc5.getByRole('button', { name: 'Edit the quota of svc-5' }).click();
    await svc5.getByLabel('Events per minute').fill('250');
    await svc5.getByLabel('Events per hour').fill('0');
    await svc5.getByRole('button', { name: 'Save' }).click();
    await expect.poll(() => svc5.locator('.quota').textContent()).toContain('250 events/min · no limit events/h (set for this project)');
    expect(apiRequests).toEqual(['PUT /api/projects/svc-5/quota']);
    const stored = (await (await api('/api/projects/svc-5')).json()) as { quota: unknown };
    expect(stored.quota).toEqual({ events_per_minute: 250, events_per_hour: 0, overrides: { events_per_minute: 250, events_per_hour: 0 } });
    // A negative quota is stopped by the form itself; the service would answer 400 anyway.
    await svc5.getByRole('button', { name: 'Edit the quota of svc-5' }).click();
    await svc5.getByLabel('Events per minute').fill('-3');
    await svc5.getByRole('button', { name: 'Save' }).click();
    expect(await svc5.getByLabel('Events per minute').evaluate((el) => el.matches(':invalid'))).toBe(true);
    expect(apiRequests).toEqual(['PUT /api/projects/svc-5/quota']);
    await page.evaluate('localStorage.clear()');
    await page.close();
  });

  it('fits a phone-sized screen without sideways scrolling', async () => {
    const { page } = await signedIn(390);
    await page.goto(`${base}/?view=projects`);
    await expect.poll(() => page.locator('li.project').count()).toBe(PROJECTS);
    await page.locator('li.project').nth(2).getByRole('button', { name: 'Edit the quota of svc-3' }).click();
    expect(await page.evaluate('document.scrollingElement.scrollWidth')).toBeLessThanOrEqual(390);
    await screenshot(page, 'projects-phone');
    await page.evaluate('localStorage.clear()');
    await page.close();
  });
});
