// API tokens and source-map disk use on the Projects page, in real headless Chromium: create (shown once), list by prefix and last use, revoke.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { API_KEY, auth, buildTestApp, type TestApp } from '../helper.js';
import { SAMPLE_MAP, sampleBundle, uploadBundle } from '../sourcemaps/bundles.js';
import { accessibilityViolations, launch, screenshot, type Browser } from './browser.js';

vi.setConfig({ testTimeout: 90_000 });

let t: TestApp;
let base: string;
let dir: string;
let browser: Browser;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'et-ui-tokens-'));
  t = await buildTestApp({}, join(dir, 'errors.db'));
  t.clock.now = new Date();
  for (const name of ['shop', 'blog']) await t.app.inject({ method: 'POST', url: '/api/projects', headers: auth, payload: { name } });
  expect((await uploadBundle(t.app, auth, sampleBundle(), ['shop'])).json().state).toBe('ok');
  await t.app.listen({ port: 0, host: '127.0.0.1' });
  base = `http://127.0.0.1:${(t.app.server.address() as { port: number }).port}`;
  browser = await launch();
});

afterAll(async () => {
  await browser?.close();
  await t?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function projectsPage(): Promise<Page> {
  const page = await browser.context.newPage();
  page.setDefaultTimeout(20_000);
  await page.goto(base);
  await page.evaluate('localStorage.clear()');
  await page.reload();
  await page.getByLabel('API key').fill(API_KEY);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.locator('section.results[aria-busy="false"]').waitFor();
  await page.getByRole('link', { name: 'Projects' }).click();
  await page.locator('.token-list[aria-busy="false"]').waitFor();
  return page;
}

const chunkOptions = (token: string) => fetch(`${base}/api/0/organizations/o/chunk-upload/`, { headers: { authorization: `Bearer ${token}` } });

describe('tokens on the Projects page', () => {
  it('shows each project the disk its source maps take', async () => {
    const page = await projectsPage();
    const shop = page.locator('li.project', { has: page.getByRole('link', { name: 'shop', exact: true }) });
    expect(await shop.locator('.sourcemaps').textContent()).toBe(`Source maps: 1 bundle · ${Math.ceil(Buffer.byteLength(SAMPLE_MAP) / 1024)} KB on disk`);
    const blog = page.locator('li.project', { has: page.getByRole('link', { name: 'blog', exact: true }) });
    expect(await blog.locator('.sourcemaps').textContent()).toBe('No source maps uploaded.');
    await page.close();
  });

  it('creates an upload token shown once with a copy hint, lists it by prefix and last use, and revokes it', async () => {
    const page = await projectsPage();
    await page.getByLabel('Kind').selectOption('upload');
    await page.getByLabel('Name').fill('CI for shop');
    await page.getByRole('checkbox', { name: 'shop', exact: true }).check();
    await page.getByRole('button', { name: 'Create token' }).click();
    const created = page.locator('.token-created');
    await created.locator('code.new-token').waitFor();
    const token = (await created.locator('code.new-token').textContent())!;
    expect(token).toMatch(/^sntryu_[0-9a-f]{64}$/);
    expect(await created.textContent()).toContain('Copy it now: it is shown only this once');
    expect(await created.getByRole('button', { name: 'Copy the token CI for shop' }).count()).toBe(1);
    const row = page.locator('.tokens-table tbody tr', { hasText: 'CI for shop' });
    await row.waitFor();
    expect(await row.locator('td').allTextContents()).toEqual(['CI for shop', 'upload', `${token.slice(0, 11)}…`, 'shop', 'just now', 'never', 'Revoke']);
    await screenshot(page, 'projects-token-created');
    expect(await accessibilityViolations(page)).toEqual([]);

    // Used once, then the page is loaded again: last use shows, the token itself is nowhere.
    expect((await chunkOptions(token)).status).toBe(200);
    await page.reload();
    await page.locator('.token-list[aria-busy="false"]').waitFor();
    expect(await page.content()).not.toContain(token);
    expect(await page.locator('.tokens-table tbody tr', { hasText: 'CI for shop' }).locator('td').nth(5).textContent()).toBe('just now');

    page.once('dialog', (d) => void d.accept());
    await page.getByRole('button', { name: 'Revoke the token CI for shop' }).click();
    await expect.poll(() => page.locator('.tokens-table tbody tr', { hasText: 'CI for shop' }).locator('td').nth(6).textContent()).toBe('Revoked');
    expect((await chunkOptions(token)).status).toBe(401);
    await page.close();
  });

  it('creates an agent token for all projects with the triage scope', async () => {
    const page = await projectsPage();
    await page.getByLabel('Kind').selectOption('agent');
    await page.getByLabel('Scope').selectOption('triage');
    await page.getByLabel('Name').fill('assistant');
    await page.getByRole('button', { name: 'Create token' }).click();
    await page.locator('.token-created code.new-token').waitFor();
    expect(await page.locator('.token-created code.new-token').textContent()).toMatch(/^eta_/);
    const row = page.locator('.tokens-table tbody tr', { hasText: 'assistant' });
    await row.waitFor();
    expect(await row.locator('td').nth(1).textContent()).toBe('agent (read, triage)');
    expect(await row.locator('td').nth(3).textContent()).toBe('all');
    await page.close();
  });
});
