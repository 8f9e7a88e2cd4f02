// Live updates in real Chromium: a report posted while the list or the error page is open shows up without a reload; pause holds it.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { API_KEY, buildTestApp, report, type TestApp } from '../helper.js';
import { freePort, startServer } from '../spawn-server.js';
import { launch, screenshot, type Browser } from './browser.js';

vi.setConfig({ testTimeout: 120_000 });

let t: TestApp;
let base: string;
let dir: string;
let browser: Browser;
let page: Page;
const consoleLines: string[] = [];
const requests: string[] = [];

async function post(body: Record<string, unknown>): Promise<number> {
  const res = await fetch(`${base}/api/errors`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-api-key': API_KEY }, body: JSON.stringify(body) });
  expect(res.status).toBeLessThan(300);
  return ((await res.json()) as { id: number }).id;
}

const seconds = (s: number) => new Date(Date.now() - s * 1000).toISOString();

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'et-ui-live-'));
  t = await buildTestApp({}, join(dir, 'errors.db'));
  t.clock.now = new Date();
  await t.app.listen({ port: 0, host: '127.0.0.1' });
  base = `http://127.0.0.1:${(t.app.server.address() as { port: number }).port}`;
  for (let i = 0; i < 3; i++) await post(report({ exception_type: `SeedError${i}`, message: `seed ${i}`, traceback: `File "/srv/shop/seed_${i}.py", line ${i + 1}, in f\n`, timestamp: seconds(600 - i) }));
  browser = await launch();
  page = await browser.context.newPage();
  page.setDefaultTimeout(30_000);
  page.on('console', (m) => consoleLines.push(`${m.type()}: ${m.text()}`));
  page.on('pageerror', (e) => consoleLines.push(`pageerror: ${e.message}`));
  page.on('request', (r) => requests.push(r.url()));
});

afterAll(async () => {
  await browser?.close();
  await t?.close(); // with the page's stream still open: the app's close ends it
  rmSync(dir, { recursive: true, force: true });
});

const countOf = (id: number) => page.locator(`tr[data-id="${id}"] .c-count`).innerText();

describe('live updates in the UI', () => {
  it('adds a new group to the open list and updates counts in place, without a reload; pause holds changes back', async () => {
    await page.goto(base);
    await page.getByLabel('API key').fill(API_KEY);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.locator('table.errors tbody tr').first().waitFor();
    await page.locator('.live-state[data-state="live"]').waitFor();
    // Survives only as long as the document does: a reload would clear it.
    await page.evaluate('window.__sameDocument = true');

    const fresh = await post(report({ exception_type: 'LiveNewError', message: 'arrived while the list was open', traceback: 'File "/srv/shop/live.py", line 7, in g\n' }));
    const row = page.locator(`tr[data-id="${fresh}"]`);
    await row.waitFor();
    expect(await row.locator('.type').innerText()).toBe('LiveNewError');
    // The newest group is on top, and marked as new for a moment.
    expect(await page.locator('table.errors tbody tr').first().getAttribute('data-id')).toBe(String(fresh));

    const seed = Number(await page.locator('tr[data-id]').nth(1).getAttribute('data-id'));
    const before = await countOf(seed);
    await post(report({ exception_type: 'SeedError2', message: 'seed 2', traceback: 'File "/srv/shop/seed_2.py", line 3, in f\n' }));
    await expect.poll(() => countOf(seed), { timeout: 15_000 }).not.toBe(before);
    expect(await page.locator(`tr[data-id="${seed}"] .c-count`).getAttribute('class')).toContain('live-flash');
    await screenshot(page, 'live-list');

    // Paused: the change waits (and says so) until the operator resumes.
    await page.getByRole('button', { name: 'Pause updates' }).click();
    const held = await countOf(seed);
    await post(report({ exception_type: 'SeedError2', message: 'seed 2', traceback: 'File "/srv/shop/seed_2.py", line 3, in f\n' }));
    await expect.poll(() => page.locator('.live-state').innerText(), { timeout: 15_000 }).toContain('1 update waiting');
    expect(await countOf(seed)).toBe(held);
    await screenshot(page, 'live-list-paused');
    await page.getByRole('button', { name: 'Resume updates' }).click();
    await expect.poll(() => countOf(seed), { timeout: 15_000 }).not.toBe(held);
    expect(await page.evaluate('window.__sameDocument')).toBe(true);
    // The header's live state and toggle on a phone.
    await page.setViewportSize({ width: 390, height: 844 });
    await screenshot(page, 'live-list-phone');
    await page.setViewportSize({ width: 1280, height: 900 });
  });

  it('updates the count on the open error page', async () => {
    const id = await post(report({ exception_type: 'DetailLiveError', message: 'watch me', traceback: 'File "/srv/shop/detail.py", line 9, in h\n' }));
    await page.locator(`tr[data-id="${id}"] a.row-link`).click();
    await page.locator('#error-title').waitFor();
    await page.evaluate('window.__sameDocument = "details"');
    const events = page.locator('.summary dl.facts div').filter({ has: page.locator('dt', { hasText: /^Events$/ }) }).locator('dd');
    expect(await events.innerText()).toBe('1');
    await post(report({ exception_type: 'DetailLiveError', message: 'watch me', traceback: 'File "/srv/shop/detail.py", line 9, in h\n' }));
    await expect.poll(() => events.innerText(), { timeout: 15_000 }).toBe('2');
    expect(await events.getAttribute('class')).toContain('live-flash');
    expect(await page.evaluate('window.__sameDocument')).toBe('details');
    await screenshot(page, 'live-details');
  });

  it('keeps the rows checked for a bulk action when a live update redraws the list', async () => {
    await page.goto(base);
    await page.locator('table.errors tbody tr').first().waitFor();
    await page.locator('.live-state[data-state="live"]').waitFor();
    const firstRow = page.locator('table.errors tbody tr').first();
    const id = await firstRow.getAttribute('data-id');
    await firstRow.locator('input.select-row').check();
    const fresh = await post(report({ exception_type: 'RedrawError', message: 'redraw', traceback: 'File "/srv/shop/redraw.py", line 7, in f\n' }));
    await page.locator(`tr[data-id="${fresh}"]`).waitFor();
    expect(await page.locator(`tr[data-id="${id}"] input.select-row`).isChecked()).toBe(true);
    expect(await page.locator('#bulk-count').innerText()).toBe('1 selected');
  });

  it('never put the operator key in a URL, and tripped no CSP', () => {
    for (const url of requests) expect(url).not.toContain(API_KEY);
    expect(requests.some((u) => u.includes('/api/stream?token=st1.'))).toBe(true);
    expect(consoleLines.filter((l) => /Content Security Policy|pageerror/i.test(l))).toEqual([]);
  });
});

describe('after the service restarts', () => {
  it('reconnects on its own, re-reads the list, and goes on updating it', async () => {
    const port = String(await freePort());
    const env = { API_KEY, DATABASE_PATH: join(dir, 'restart.db'), PORT: port, RATE_LIMIT_PER_MINUTE: '0' };
    const url = `http://127.0.0.1:${port}`;
    const send = async (type: string) => {
      const res = await fetch(`${url}/api/errors`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-api-key': API_KEY }, body: JSON.stringify(report({ exception_type: type })) });
      return ((await res.json()) as { id: number }).id;
    };
    let server = await startServer(dir, env);
    const p = await browser.context.newPage();
    p.setDefaultTimeout(30_000);
    try {
      await send('BeforeRestartError');
      await p.goto(url);
      await p.evaluate(`localStorage.setItem('error-tracker.api-key', ${JSON.stringify(API_KEY)})`);
      await p.reload();
      await p.locator('.live-state[data-state="live"]').waitFor();
      await p.evaluate('window.__sameDocument = true');

      server.child.kill('SIGTERM');
      await server.exited;
      await p.locator('.live-state[data-state="retrying"]').waitFor();
      server = await startServer(dir, env);
      // Backoff: 1 s, then doubling; a restart on this machine takes a few seconds.
      await p.locator('.live-state[data-state="live"]').waitFor({ timeout: 60_000 });
      const id = await send('AfterRestartError');
      await p.locator(`tr[data-id="${id}"]`).waitFor();
      expect(await p.evaluate('window.__sameDocument')).toBe(true);
    } finally {
      await p.close();
      server.child.kill('SIGTERM');
      await server.exited;
    }
  });
});
