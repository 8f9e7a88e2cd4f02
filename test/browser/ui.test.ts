// The operator UI in real headless Chromium against a real listening server with seeded data.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { API_KEY, buildTestApp, report, type TestApp } from '../helper.js';
import { ARTIFACTS, accessibilityViolations, launch, screenshot, type Browser } from './browser.js';

// A real browser on a shared, noisy machine: generous bounds, so slowness is not read as failure.
vi.setConfig({ testTimeout: 90_000 });

const HOSTILE_MESSAGE = 'boom <img src=x onerror="window.__pwned=1"> and <script>window.__pwned=2</script>';
const HOSTILE_TRACE =
  'Error: <script>window.__pwned=3</script>\n' +
  '    at render (/srv/app/<img src=x onerror="window.__pwned=4">.js:7:3)\n' +
  '    at main (/srv/app/index.js:2:1)\n';

let t: TestApp;
let base: string;
let dir: string;
let browser: Browser;
let page: Page;
/** Every URL the browser requested, and every console message, to check for leaks and CSP reports. */
let requests: string[] = [];
let consoleLines: string[] = [];
const ids: Record<string, number> = {};

async function post(body: Record<string, unknown>): Promise<number> {
  const res = await fetch(`${base}/api/errors`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-api-key': API_KEY }, body: JSON.stringify(body) });
  expect(res.status).toBeLessThan(300);
  return ((await res.json()) as { id: number }).id;
}

const minutesAgo = (m: number) => new Date(Date.now() - m * 60_000).toISOString();

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'et-ui-'));
  t = await buildTestApp({}, join(dir, 'errors.db'));
  t.clock.now = new Date();
  await t.app.listen({ port: 0, host: '127.0.0.1' });
  base = `http://127.0.0.1:${(t.app.server.address() as { port: number }).port}`;

  // 28 server errors in "shop", oldest first, so OrderError0 is the newest of them.
  for (let i = 27; i >= 0; i--) {
    await post(report({ exception_type: `OrderError${i}`, message: `order ${i} failed`, traceback: `File "/srv/shop/orders_${i}.py", line ${i + 1}, in place\n`, timestamp: minutesAgo(100 + i) }));
  }
  // A browser error in "blog" with history over the last day, headers and extra.
  const trace = "TypeError: Cannot read properties of undefined (reading 'title')\n    at renderPost (https://blog.example.com/assets/post.js?v=3:41:17)\n    at https://blog.example.com/assets/app.js:10:3\n";
  for (const m of [60 * 20, 60 * 5, 60 * 5, 90, 30]) {
    ids.blog = await post({
      project: 'blog',
      exception_type: 'TypeError',
      message: "Cannot read properties of undefined (reading 'title')",
      traceback: trace,
      timestamp: minutesAgo(m),
      request_url: 'https://blog.example.com/posts/42?ref=home',
      request_method: 'GET',
      request_headers: { 'User-Agent': 'Mozilla/5.0 (X11; Linux x86_64)', Cookie: 'sid=abc', 'Accept-Language': 'en-GB' },
      user_id: 'reader-7',
      release: '2.3.0',
      environment: 'production',
      extra: { post_id: 42, flags: { beta: true } },
    });
  }
  // A resolved server error in "blog".
  ids.resolved = await post(report({ project: 'blog', exception_type: 'TimeoutError', message: 'upstream timed out', traceback: 'File "/srv/blog/feed.py", line 9, in fetch\n', timestamp: minutesAgo(50) }));
  await fetch(`${base}/api/errors/${ids.resolved}/resolve`, { method: 'POST', headers: { 'x-api-key': API_KEY } });
  // The hostile one, newest of all.
  ids.hostile = await post({
    project: 'shop',
    exception_type: '<b>Bold</b>Error',
    message: HOSTILE_MESSAGE,
    traceback: HOSTILE_TRACE,
    timestamp: minutesAgo(1),
    request_url: 'https://shop.example.com/"><img src=x onerror="window.__pwned=5">',
    request_headers: { '<img src=x onerror="window.__pwned=6">': '<script>window.__pwned=7</script>' },
    extra: { '<svg onload="window.__pwned=8">': '<iframe src="javascript:window.__pwned=9">' },
  });

  browser = await launch();
});

afterAll(async () => {
  await browser?.close();
  await t?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function newPage(width = 1280): Promise<Page> {
  page = await browser.context.newPage();
  await page.setViewportSize({ width, height: width < 500 ? 844 : 900 });
  requests = [];
  consoleLines = [];
  page.setDefaultTimeout(20_000);
  page.on('request', (r) => requests.push(r.url()));
  page.on('console', (m) => consoleLines.push(`${m.type()}: ${m.text()}`));
  page.on('pageerror', (e) => consoleLines.push(`pageerror: ${e.message}`));
  return page;
}

afterEach(async () => {
  // The page's own files must never trip the CSP (an inline style or script would show up here).
  expect(consoleLines.filter((l) => /Content Security Policy|pageerror/i.test(l))).toEqual([]);
  for (const url of [...requests, page.url()]) expect(url).not.toContain(API_KEY);
  // The profile is shared by the file's tests: each starts signed out.
  if (page.url().startsWith(base)) await page.evaluate('localStorage.clear()');
  await page.close();
});

async function signIn(p: Page, path = '/'): Promise<void> {
  await p.goto(base + path);
  await p.getByLabel('API key').fill(API_KEY);
  await p.getByRole('button', { name: 'Sign in' }).click();
  await p.getByRole('button', { name: 'Sign out' }).waitFor();
}

const rows = (p: Page) => p.locator('table.errors tbody tr');
const rowTypes = (p: Page) => p.locator('table.errors tbody tr .type').allTextContents();

/** Waits until the list shows a settled result (rows or the empty state). */
async function settled(p: Page): Promise<void> {
  await p.locator('section.results[aria-busy="false"]').waitFor();
}

describe('signing in', () => {
  it('says so when the key is wrong, keeps a good key, and forgets it on sign out', async () => {
    const p = await newPage();
    await p.goto(base);
    await p.getByLabel('API key').fill('not-the-key-at-all-000');
    await p.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => p.locator('#sign-in-error').textContent()).toContain('not accepted');
    expect(await p.evaluate('localStorage.length')).toBe(0);

    await p.getByLabel('API key').fill(API_KEY);
    await p.getByRole('button', { name: 'Sign in' }).click();
    await settled(p);
    expect(await rows(p).count()).toBe(25);

    await p.reload();
    await settled(p);
    expect(await rows(p).count()).toBe(25); // still signed in

    await p.getByRole('button', { name: 'Sign out' }).click();
    await p.getByLabel('API key').waitFor();
    expect(await p.evaluate('localStorage.length')).toBe(0);
    await p.reload();
    await p.getByLabel('API key').waitFor();
    expect(await p.locator('table.errors').count()).toBe(0);
    await screenshot(p, 'sign-in-desktop');
  });
});

describe('the list', () => {
  it('shows one row per group, newest first, with its fields and a 24-hour trend', async () => {
    const p = await newPage();
    await signIn(p);
    await settled(p);
    const types = await rowTypes(p);
    expect(types).toHaveLength(25);
    expect(types.slice(0, 3)).toEqual(['<b>Bold</b>Error', 'TypeError', 'OrderError0']);
    expect(types).not.toContain('TimeoutError'); // resolved: not in the default (unresolved) view

    const blog = rows(p).nth(1);
    expect(await blog.locator('.message').textContent()).toBe("Cannot read properties of undefined (reading 'title')");
    expect(await blog.locator('.meta').textContent()).toContain('blog');
    expect(await blog.locator('.meta').textContent()).toContain('browser');
    expect(await blog.locator('.c-count').textContent()).toContain('5');
    expect(await blog.locator('.status').textContent()).toBe('Unresolved');
    // 5 occurrences in 4 distinct hours of the last 24: four bars.
    expect(await blog.locator('svg.spark rect').count()).toBe(4);
    expect(await blog.locator('svg.spark').getAttribute('aria-label')).toBe('5 in the last 24 hours');
    const last = blog.locator('time').first();
    expect(await last.textContent()).toMatch(/^3[01] minutes ago$/); // seeded 30 minutes back; a slow run may pass the half minute
    expect(await last.getAttribute('title')).toMatch(/^\d{1,2} \w{3} \d{4}, \d{2}:\d{2}:\d{2} UTC$/);
    // The message stays on one line.
    const box = await blog.locator('.row-link').boundingBox();
    expect(box!.height).toBeLessThan(30);

    expect(await accessibilityViolations(p)).toEqual([]);
    await screenshot(p, 'list-desktop');
  });

  it('pages 25 at a time with next and previous', async () => {
    const p = await newPage();
    await signIn(p);
    await settled(p);
    expect(await p.locator('.pager .range').textContent()).toBe('1–25 of 30');
    await p.getByRole('link', { name: 'Next' }).click();
    await settled(p);
    expect(new URL(p.url()).searchParams.get('page')).toBe('2');
    const types = await rowTypes(p);
    expect(types).toHaveLength(5);
    expect(types.at(-1)).toBe('OrderError27'); // the oldest
    expect(await p.locator('.pager .range').textContent()).toBe('26–30 of 30');
    expect(await p.getByRole('link', { name: 'Next' }).count()).toBe(0);
    await p.getByRole('link', { name: 'Previous' }).click();
    await settled(p);
    expect((await rowTypes(p))[0]).toBe('<b>Bold</b>Error');
  });

  it('filters by project, status, source and search, keeps them in the URL, and a reload keeps them', async () => {
    const p = await newPage();
    await signIn(p);
    await settled(p);

    await p.getByLabel('Project').selectOption('blog');
    await settled(p);
    expect(await rowTypes(p)).toEqual(['TypeError']);
    expect(new URL(p.url()).searchParams.get('project')).toBe('blog');

    await p.getByLabel('Status').selectOption('all');
    await settled(p);
    expect(await rowTypes(p)).toEqual(['TypeError', 'TimeoutError']);

    await p.getByLabel('Status').selectOption('resolved');
    await settled(p);
    expect(await rowTypes(p)).toEqual(['TimeoutError']);
    expect(await rows(p).first().locator('.status').textContent()).toBe('Resolved');

    await p.getByLabel('Status').selectOption('all');
    await settled(p);
    await p.getByLabel('Source').selectOption('browser');
    await settled(p);
    expect(await rowTypes(p)).toEqual(['TypeError']);
    await p.getByLabel('Source').selectOption('server');
    await settled(p);
    expect(await rowTypes(p)).toEqual(['TimeoutError']);

    await p.getByLabel('Source').selectOption('');
    await p.getByLabel('Project').selectOption('');
    await settled(p);
    await p.getByLabel('Search').fill('order 1');
    await expect.poll(() => new URL(p.url()).searchParams.get('q')).toBe('order 1');
    await settled(p);
    expect((await rowTypes(p)).sort()).toEqual(['OrderError1', ...Array.from({ length: 10 }, (_, i) => `OrderError${10 + i}`)].sort());

    const url = new URL(p.url());
    expect(Object.fromEntries(url.searchParams)).toEqual({ status: 'all', q: 'order 1' });
    await p.reload();
    await settled(p);
    expect(await p.getByLabel('Search').inputValue()).toBe('order 1');
    expect(await p.getByLabel('Status').inputValue()).toBe('all');
    expect(await rows(p).count()).toBe(11);

    // A shared link opens the same view.
    await p.goto(`${base}/?project=blog&status=resolved`);
    await settled(p);
    expect(await rowTypes(p)).toEqual(['TimeoutError']);
    expect(await p.getByLabel('Project').inputValue()).toBe('blog');

    await p.getByLabel('Search').fill('no such thing anywhere');
    await p.getByLabel('Search').press('Enter');
    await expect.poll(() => p.locator('.state.empty').textContent()).toContain('No errors match these filters.');
  });

  it('can be worked with the keyboard alone', async () => {
    const p = await newPage();
    await signIn(p);
    await settled(p);
    await p.getByLabel('Search').focus();
    // The selection checkboxes (issue 18) come first: select all, then each row's before its link.
    await p.keyboard.press('Tab');
    expect(await p.evaluate('document.activeElement?.id')).toBe('select-all');
    await p.keyboard.press('Tab');
    await p.keyboard.press('Tab');
    expect(await p.evaluate('document.activeElement?.textContent')).toContain('<b>Bold</b>Error');
    await p.keyboard.press('Tab');
    await p.keyboard.press('Tab');
    await p.keyboard.press('Enter');
    await p.locator('#error-title').waitFor();
    expect(await p.locator('#error-title').textContent()).toBe('TypeError');
    await p.keyboard.press('Tab');
    expect(await p.evaluate('document.activeElement?.textContent')).toBe('← All errors');
  });
});

describe('the details', () => {
  it('shows the traceback with the crash frame marked, the frames and the occurrences; resolves and reopens', async () => {
    const p = await newPage();
    await signIn(p, '/?project=blog');
    await settled(p);
    await p.getByRole('link', { name: /TypeError/ }).click();
    await p.locator('#error-title').waitFor();
    expect(new URL(p.url()).searchParams.get('error')).toBe(String(ids.blog));

    expect(await p.locator('.traceback').textContent()).toContain('at renderPost (https://blog.example.com/assets/post.js?v=3:41:17)');
    expect(await p.locator('.traceback .crash-line').textContent()).toContain('at renderPost');
    expect(await p.locator('.frames li').count()).toBe(2);
    expect(await p.locator('.frames li.crash').textContent()).toContain('renderPost');
    expect(await p.locator('.frames li.crash').textContent()).toContain('https://blog.example.com/assets/post.js:41:17');

    const occurrences = p.locator('article.occurrence');
    expect(await occurrences.count()).toBe(5);
    const newest = occurrences.first();
    // Seeded 30 minutes before the seeding finished; a slow machine may take the page past the half minute.
    expect(await newest.locator('h3 time').textContent()).toMatch(/^3[01] minutes ago$/);
    expect(await newest.locator('.facts').textContent()).toContain('GET https://blog.example.com/posts/42?ref=home');
    expect(await newest.locator('.facts').textContent()).toContain('reader-7');
    expect(await newest.locator('.facts').textContent()).toContain('2.3.0');
    expect(await newest.locator('.facts').textContent()).toContain('production');
    const headerRows = await newest.locator('table.kv').first().locator('tr').allTextContents();
    expect(headerRows).toContain('User-AgentMozilla/5.0 (X11; Linux x86_64)');
    expect(headerRows).toContain('Cookie[redacted]');
    const extraRows = await newest.locator('table.kv').nth(1).locator('tr').allTextContents();
    expect(extraRows).toContain('post_id42');

    expect(await accessibilityViolations(p)).toEqual([]);
    await screenshot(p, 'details-desktop');

    await p.getByRole('button', { name: 'Resolve', exact: true }).click();
    await p.getByRole('button', { name: 'Reopen' }).waitFor();
    expect(await p.locator('.summary .status').textContent()).toBe('Resolved');
    const stored = (await (await fetch(`${base}/api/errors/${ids.blog}`, { headers: { 'x-api-key': API_KEY } })).json()) as { error: { resolved: boolean } };
    expect(stored.error.resolved).toBe(true);

    // Back to the list (filters kept): the resolved group is gone from the unresolved view.
    await p.getByRole('link', { name: '← All errors' }).click();
    await settled(p);
    expect(new URL(p.url()).searchParams.get('project')).toBe('blog');
    expect(await p.locator('.state.empty').count()).toBe(1);
    await p.goBack();
    await p.getByRole('button', { name: 'Reopen' }).click();
    await p.getByRole('button', { name: 'Resolve', exact: true }).waitFor();
    expect(await p.locator('.summary .status').textContent()).toBe('Unresolved');
    const reopened = (await (await fetch(`${base}/api/errors/${ids.blog}`, { headers: { 'x-api-key': API_KEY } })).json()) as { error: { resolved: boolean } };
    expect(reopened.error.resolved).toBe(false);
  });

  it('says so for an error that does not exist', async () => {
    const p = await newPage();
    await signIn(p, '/?error=987654');
    await expect.poll(() => p.locator('.state.error').textContent()).toContain('There is no error 987654');
  });
});

describe('hostile content', () => {
  it('renders markup from a report as text and runs none of it', async () => {
    const p = await newPage();
    await signIn(p);
    await settled(p);
    const first = rows(p).first();
    expect(await first.locator('.type').textContent()).toBe('<b>Bold</b>Error');
    expect(await first.locator('.message').textContent()).toBe(HOSTILE_MESSAGE);
    await first.locator('a.row-link').click();
    await p.locator('#error-title').waitFor();

    expect(await p.locator('#error-title').textContent()).toBe('<b>Bold</b>Error');
    expect(await p.locator('.summary .full-message').textContent()).toBe(HOSTILE_MESSAGE);
    // As the reader sees (and copies) it: one block per stretch of lines, so innerText, not textContent.
    expect((await p.locator('.traceback').innerText()).trimEnd()).toBe(HOSTILE_TRACE.trimEnd());
    expect(await p.getByText('<script>window.__pwned=3</script>').count()).toBeGreaterThan(0);
    const kv = await p.locator('table.kv').allTextContents();
    expect(kv.join('\n')).toContain('<img src=x onerror="window.__pwned=6">');
    expect(kv.join('\n')).toContain('<iframe src="javascript:window.__pwned=9">');

    // Nothing was parsed into elements, nothing ran, nothing was fetched.
    expect(await p.locator('main img, main script, main iframe, main b, main svg[onload]').count()).toBe(0);
    expect(await p.evaluate('window.__pwned')).toBeUndefined();
    await p.waitForTimeout(300);
    expect(await p.evaluate('window.__pwned')).toBeUndefined();
    expect(requests.filter((u) => new URL(u).pathname === '/x')).toEqual([]);
    await screenshot(p, 'details-hostile-desktop');
  });
});

describe('projects', () => {
  it('lists each project with its counts, its ingest key and DSN with a copy button', async () => {
    const p = await newPage();
    const project = async (name: string) =>
      (await (await fetch(`${base}/api/projects/${name}`, { headers: { 'x-api-key': API_KEY } })).json()) as { id: number; ingest_key: string; dsn: string };
    const shop = await project('shop');
    const blog = await project('blog');
    await signIn(p, '/?view=projects');
    const cards = p.locator('li.project');
    await expect.poll(() => cards.count()).toBe(2);
    await expect.poll(() => cards.nth(0).locator('.counts').textContent()).toBe('1 unresolved · 2 error groups in all');
    await expect.poll(() => cards.nth(1).locator('.counts').textContent()).toBe('29 unresolved · 29 error groups in all');
    await expect.poll(() => cards.nth(1).locator('.secret').count()).toBe(2);
    expect(await cards.nth(1).locator('code').allTextContents()).toEqual([shop.ingest_key, shop.dsn]);
    expect(shop.ingest_key).toMatch(/^[0-9a-f]{32}$/);
    expect(shop.dsn).toBe(`${base.replace('http://', `http://${shop.ingest_key}@`)}/${shop.id}`);
    await expect.poll(() => cards.nth(0).locator('.secret').count()).toBe(2);
    expect(await cards.nth(0).locator('code').allTextContents()).toEqual([blog.ingest_key, blog.dsn]);

    await browser.context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: base });
    await cards.nth(1).getByRole('button', { name: 'Copy the DSN' }).click();
    await expect.poll(() => p.evaluate('navigator.clipboard.readText()')).toBe(shop.dsn);

    expect(await accessibilityViolations(p)).toEqual([]);
    await cards.nth(0).getByRole('link', { name: 'blog' }).click();
    await settled(p);
    expect(await rowTypes(p)).toEqual(['TypeError']);
  });
});

describe('a phone-sized screen', () => {
  it('has no sideways scrolling at 390 px on any view', async () => {
    const p = await newPage(390);
    await p.goto(base);
    await p.getByLabel('API key').waitFor();
    expect(await p.evaluate('document.scrollingElement.scrollWidth')).toBeLessThanOrEqual(390);
    await signIn(p);
    await settled(p);
    expect(await p.evaluate('document.scrollingElement.scrollWidth')).toBeLessThanOrEqual(390);
    await screenshot(p, 'list-phone');
    await p.goto(`${base}/?error=${ids.blog}`);
    await p.locator('article.occurrence').first().waitFor();
    expect(await p.evaluate('document.scrollingElement.scrollWidth')).toBeLessThanOrEqual(390);
    await screenshot(p, 'details-phone');
    await p.goto(`${base}/?error=${ids.hostile}`);
    await p.locator('article.occurrence').first().waitFor();
    expect(await p.evaluate('document.scrollingElement.scrollWidth')).toBeLessThanOrEqual(390);
    await p.goto(`${base}/?view=projects`);
    await p.locator('li.project').first().waitFor();
    expect(await p.evaluate('document.scrollingElement.scrollWidth')).toBeLessThanOrEqual(390);
    expect(await p.locator('meta[name="viewport"]').getAttribute('content')).toContain('width=device-width');
    for (const name of ['list-phone', 'details-phone', 'list-desktop', 'details-desktop']) expect(existsSync(join(ARTIFACTS, `${name}.png`))).toBe(true);
  });
});
