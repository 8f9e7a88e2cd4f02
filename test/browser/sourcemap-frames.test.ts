// The error page in real Chromium shows source-mapped frames with their source, the crash line marked, and why a frame stayed minified.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import { API_KEY, buildTestApp, type TestApp } from '../helper.js';
import { buildApp, ERRORS, SOURCES, v8Trace } from '../sourcemaps/fixture-app.js';
import { memoryLookup } from '../sourcemaps/memory-lookup.js';
import { accessibilityViolations, launch, screenshot, type Browser } from './browser.js';

vi.setConfig({ testTimeout: 90_000 });

let t: TestApp;
let dir: string;
let base: string;
let browser: Browser;
let id: number;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'et-sm-'));
  const lookup = memoryLookup();
  t = await buildTestApp({}, join(dir, 'errors.db'), undefined, { sourceMaps: lookup });
  t.clock.now = new Date();
  await t.app.listen({ port: 0, host: '127.0.0.1' });
  base = `http://127.0.0.1:${(t.app.server.address() as { port: number }).port}`;
  const bundle = await buildApp();
  lookup.add('web', bundle.map, { url: `~/assets/${bundle.file}` });
  const { type, message, stack } = v8Trace(bundle, `https://shop.example.com/assets/${bundle.file}`, 'payOverLimit');
  const res = await fetch(`${base}/api/errors`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-api-key': API_KEY },
    body: JSON.stringify({ project: 'web', exception_type: type, message, traceback: stack }),
  });
  id = ((await res.json()) as { id: number }).id;
  browser = await launch();
});

afterAll(async () => {
  await browser?.close();
  await t?.close();
  rmSync(dir, { recursive: true, force: true });
});

it('shows the original frames, the crash frame open at its source line, the minified location, and the unmapped page script', async () => {
  const page = await browser.context.newPage();
  const problems: string[] = [];
  page.on('pageerror', (e) => problems.push(e.message));
  await page.goto(base);
  await page.getByLabel('API key').fill(API_KEY);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('button', { name: 'Sign out' }).waitFor();
  await page.goto(`${base}/?error=${id}`);
  const crash = page.locator('.frames li.crash');
  await crash.waitFor();

  await expect(crash.locator('.loc').first().textContent()).resolves.toMatch(new RegExp(`^src/checkout\\.js:${ERRORS.payOverLimit.line}:\\d+$`));
  await expect(crash.locator('.fn').textContent()).resolves.toBe('checkout');
  await expect(crash.locator('.generated').textContent()).resolves.toMatch(/^minified: https:\/\/shop\.example\.com\/assets\/app\.\w+\.js:1:\d+$/);
  // The crash frame's source is open, its line marked and numbered as in the file.
  await expect(crash.locator('details.source-context').getAttribute('open')).resolves.not.toBeNull();
  const current = crash.locator('.ctx-current');
  await expect(current.locator('.ctx-no').textContent()).resolves.toBe(String(ERRORS.payOverLimit.line));
  await expect(current.textContent()).resolves.toContain(ERRORS.payOverLimit.contextLine);
  await expect(crash.locator('.ctx-line').count()).resolves.toBe(SOURCE_LINES_AROUND(ERRORS.payOverLimit.line));
  // Other mapped frames have theirs collapsed; the page's inline script says why it is not mapped.
  await expect(page.locator('.frames li.mapped details.source-context:not([open])').count()).resolves.toBeGreaterThan(0);
  await expect(page.locator('.frames li .unmapped').last().textContent()).resolves.toBe('not mapped: no source map was uploaded for this file');
  // The traceback as sent marks the crash frame where the minified trace wrote it.
  await expect(page.locator('.traceback .crash-line').textContent()).resolves.toMatch(/^\s*at r \(https:\/\/shop\.example\.com\/assets\/app\.\w+\.js:1:\d+\)$/);

  await screenshot(page, 'sourcemap-frames');
  expect(await accessibilityViolations(page)).toEqual([]);
  expect(problems).toEqual([]);
  await page.close();
});

/** Up to 5 lines either side of the crash line, within checkout.js (as split into lines). */
function SOURCE_LINES_AROUND(line: number): number {
  const total = SOURCES['src/checkout.js']!.replace(/\n$/, '').split('\n').length;
  return Math.min(total, line + 5) - Math.max(1, line - 5) + 1;
}
