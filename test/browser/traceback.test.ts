// The error page's traceback in real Chromium: the line after the crash line stays in view, and long traces open collapsed at the crash frame.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { API_KEY, buildTestApp, report, type TestApp } from '../helper.js';
import { ARTIFACTS, launch, screenshot, type Browser } from './browser.js';

vi.setConfig({ testTimeout: 90_000 });

const PYTHON_TRACE = [
  'Traceback (most recent call last):',
  '  File "/srv/shop/app.py", line 12, in handle',
  '    return checkout(order)',
  '  File "/srv/shop/pricing/discounts.py", line 88, in apply_discount_to_every_line_of_a_very_long_order_with_many_items',
  '    return total / count',
  'ZeroDivisionError: division by zero',
].join('\n');

const JS_TRACE = [
  'TypeError: Cannot read properties of undefined (reading \'title\')',
  '    at renderPost (https://blog.example.com/assets/post.js:41:17)',
  '    at renderPage (https://blog.example.com/assets/app.js:10:3)',
  '    at https://blog.example.com/assets/app.js:99:1',
].join('\n');

/** About 250 KB of V8 frames: library frames around one in-app frame in the middle, the crash frame. */
const CRASH_AT = 1400;
const LONG_TRACE = [
  'RangeError: Maximum call stack size exceeded',
  ...Array.from({ length: 2800 }, (_, i) =>
    i === CRASH_AT ? '    at handler (/srv/app/src/orders/handler.js:42:7)' : `    at recurse${i} (/srv/app/node_modules/deep-merge/lib/merge-implementation.js:${i + 1}:13)`,
  ),
].join('\n');

let t: TestApp;
let dir: string;
let base: string;
let browser: Browser;
let page: Page;
const ids: Record<string, number> = {};
let cspProblems: string[] = [];

async function post(body: Record<string, unknown>): Promise<number> {
  const res = await fetch(`${base}/api/errors`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-api-key': API_KEY }, body: JSON.stringify(body) });
  expect(res.status).toBeLessThan(300);
  return ((await res.json()) as { id: number }).id;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'et-tb-'));
  t = await buildTestApp({}, join(dir, 'errors.db'));
  t.clock.now = new Date();
  await t.app.listen({ port: 0, host: '127.0.0.1' });
  base = `http://127.0.0.1:${(t.app.server.address() as { port: number }).port}`;
  ids.python = await post(report({ exception_type: 'ZeroDivisionError', message: 'division by zero', traceback: PYTHON_TRACE }));
  ids.js = await post(report({ project: 'blog', exception_type: 'TypeError', message: "Cannot read properties of undefined (reading 'title')", traceback: JS_TRACE }));
  expect(LONG_TRACE.length).toBeGreaterThan(240_000);
  ids.long = await post(report({ exception_type: 'RangeError', message: 'Maximum call stack size exceeded', traceback: LONG_TRACE }));
  browser = await launch();
});

afterAll(async () => {
  await browser?.close();
  await t?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function open(id: number, width: number): Promise<Page> {
  page = await browser.context.newPage();
  await page.setViewportSize({ width, height: width < 500 ? 844 : 900 });
  cspProblems = [];
  page.on('console', (m) => /Content Security Policy/i.test(m.text()) && cspProblems.push(m.text()));
  page.on('pageerror', (e) => cspProblems.push(e.message));
  await page.goto(base);
  await page.getByLabel('API key').fill(API_KEY);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('button', { name: 'Sign out' }).waitFor();
  await page.goto(`${base}/?error=${id}`);
  await page.locator('.traceback .crash-line').waitFor();
  return page;
}

afterEach(async () => {
  expect(cspProblems).toEqual([]);
  await page?.evaluate('localStorage.clear()');
  await page?.close();
});

interface Box {
  left: number;
  right: number;
  top: number;
  bottom: number;
}

/**
 * Where the line after the crash line is drawn (its first characters, whatever elements hold them),
 * where the crash line starts, and the traceback's visible box.
 */
async function lineAfterCrash(p: Page): Promise<{ next: Box; nextText: string; crash: Box; visible: Box }> {
  // A string: the suite compiles without the DOM's types.
  return p.evaluate(`(() => {
    const pre = document.querySelector('.traceback');
    const mark = pre.querySelector('.crash-line');
    const walker = document.createTreeWalker(pre, NodeFilter.SHOW_TEXT);
    walker.currentNode = mark.lastChild ?? mark;
    // The first text after the mark's own, skipping the newline that may end the mark.
    let node;
    let text = null;
    let offset = -1;
    while ((node = walker.nextNode())) {
      if (mark.contains(node)) continue;
      const at = node.nodeValue.search(/[^\\n]/);
      if (at >= 0) {
        text = node;
        offset = at;
        break;
      }
    }
    if (!text) throw new Error('no line after the crash line');
    const value = text.nodeValue;
    const end = value.indexOf('\\n', offset);
    const range = document.createRange();
    range.setStart(text, offset);
    range.setEnd(text, end === -1 ? value.length : end);
    const box = (r) => ({ left: r.left, right: r.right, top: r.top, bottom: r.bottom });
    const crashText = document.createRange();
    crashText.selectNodeContents(mark);
    const visible = pre.getBoundingClientRect();
    return {
      next: box(range.getClientRects()[0]),
      nextText: value.slice(offset, end === -1 ? undefined : end),
      crash: box(crashText.getClientRects()[0]),
      visible: { left: Math.max(visible.left, 0), right: Math.min(visible.right, window.innerWidth), top: visible.top, bottom: visible.bottom },
    };
  })()`);
}

describe('the line after the crash line', () => {
  for (const width of [1280, 390]) {
    for (const [kind, nextLine] of [
      ['python', '    return total / count'],
      ['js', '    at renderPage (https://blog.example.com/assets/app.js:10:3)'],
    ] as const) {
      it(`is visible below the crash line, from its left edge (${kind}, ${width} px)`, async () => {
        const p = await open(ids[kind]!, width);
        await p.locator('.traceback').scrollIntoViewIfNeeded();
        const { next, nextText, crash, visible } = await lineAfterCrash(p);
        expect(nextText).toBe(nextLine);
        // Inside the traceback's visible area, on the next row, starting where the crash line starts.
        expect(next.left).toBeGreaterThanOrEqual(visible.left);
        expect(next.left).toBeLessThan(visible.right - 20);
        expect(Math.abs(next.left - crash.left)).toBeLessThan(12);
        expect(next.top).toBeGreaterThanOrEqual(crash.bottom - 1);
        expect(next.bottom).toBeLessThanOrEqual(visible.bottom);
        // The mark still spans the box's width, and nothing scrolls the page sideways.
        const markWidth = (await p.evaluate(`document.querySelector('.traceback .crash-line').getBoundingClientRect().width`)) as number;
        expect(markWidth).toBeGreaterThan((visible.right - visible.left) * 0.8);
        expect(await p.evaluate('document.scrollingElement.scrollWidth')).toBeLessThanOrEqual(width);
        await screenshot(p, `traceback-${kind}-${width}`);
      });
    }
  }
});

describe('a 250 KB traceback', () => {
  for (const width of [1280, 390]) {
    it(`opens collapsed around the crash frame, scrolled to it, and expands on demand (${width} px)`, async () => {
      const p = await open(ids.long!, width);
      const viewport = width < 500 ? 844 : 900;
      const height = () => p.evaluate('document.scrollingElement.scrollHeight') as Promise<number>;
      // Bounded: the whole trace would be some 2,800 lines (over 50,000 px) and as many frames again.
      expect(await height()).toBeLessThan(12 * viewport);
      expect(await p.locator('.traceback .crash-line').textContent()).toBe('    at handler (/srv/app/src/orders/handler.js:42:7)');
      // The page opened at the crash frame: its line is on screen without any scrolling by the test.
      const crash = (await p.evaluate(`(() => { const r = document.querySelector('.traceback .crash-line').getBoundingClientRect(); return { top: r.top, bottom: r.bottom }; })()`)) as { top: number; bottom: number };
      expect(crash.top).toBeGreaterThanOrEqual(0);
      expect(crash.bottom).toBeLessThanOrEqual(viewport);
      await screenshot(p, `traceback-long-${width}`);
      await p.screenshot({ path: join(ARTIFACTS, `traceback-long-${width}-on-open.png`) });

      const shownLines = () =>
        p.evaluate(`[...document.querySelectorAll('.traceback .tb-lines, .traceback .crash-line')].reduce((n, el) => n + el.textContent.split('\\n').length, 0)`) as Promise<number>;
      const before = await shownLines();
      expect(before).toBeLessThan(60);
      const buttons = p.locator('.traceback button.show-more');
      expect(await buttons.count()).toBe(2);
      const first = buttons.first();
      expect(await first.textContent()).toMatch(/^Show 100 more lines \([\d,]+ hidden\)$/);
      const hiddenBefore = Number((await first.textContent())!.match(/\(([\d,]+) hidden\)/)![1]!.replace(/,/g, ''));
      const heightBefore = await height();
      await first.click();
      await expect.poll(shownLines).toBe(before + 100);
      expect(await height()).toBeGreaterThan(heightBefore);
      const hiddenAfter = Number((await buttons.first().textContent())!.match(/\(([\d,]+) hidden\)/)![1]!.replace(/,/g, ''));
      expect(hiddenAfter).toBe(hiddenBefore - 100);
      // Keyboard users stay on the button of what is still hidden.
      expect(await p.evaluate('document.activeElement?.className')).toBe('show-more');
      // The revealed lines are the next ones of the trace, in order.
      expect(await p.locator('.traceback').textContent()).toContain('    at recurse5 (/srv/app/node_modules/deep-merge/lib/merge-implementation.js:6:13)\n    at recurse6 (');

      // The parsed frames are collapsed the same way around the crash frame.
      expect(await p.locator('.frames li:not(.more)').count()).toBeLessThan(60);
      expect(await p.locator('.frames li.crash').textContent()).toContain('/srv/app/src/orders/handler.js:42:7');
      const frames = await p.locator('.frames li:not(.more)').count();
      await p.locator('.frames button.show-more').first().click();
      await expect.poll(() => p.locator('.frames li:not(.more)').count()).toBe(frames + 100);
    });
  }
});
