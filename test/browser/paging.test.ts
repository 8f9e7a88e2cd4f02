// The list's paging buttons in real Chromium: where there is no page, the button is really disabled and looks it.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { API_KEY, buildTestApp, report, type TestApp } from '../helper.js';
import { ARTIFACTS, accessibilityViolations, launch, type Browser } from './browser.js';

vi.setConfig({ testTimeout: 90_000 });

let t: TestApp;
let dir: string;
let base: string;
let browser: Browser;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'et-paging-'));
  t = await buildTestApp({}, join(dir, 'errors.db'));
  t.clock.now = new Date();
  await t.app.listen({ port: 0, host: '127.0.0.1' });
  base = `http://127.0.0.1:${(t.app.server.address() as { port: number }).port}`;
  // 30 groups: two pages of 25.
  for (let i = 0; i < 30; i++) {
    const res = await fetch(`${base}/api/errors`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': API_KEY },
      body: JSON.stringify(report({ exception_type: `PageError${i}`, traceback: `File "/srv/shop/p_${i}.py", line ${i + 1}, in f\n` })),
    });
    expect(res.status).toBeLessThan(300);
  }
  browser = await launch();
});

afterAll(async () => {
  await browser?.close();
  await t?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** The computed look of an element, as the reader sees it. */
const look = (p: Page, selector: string) =>
  p.evaluate(`(() => {
    const s = getComputedStyle(document.querySelector(${JSON.stringify(selector)}));
    return { color: s.color, background: s.backgroundColor, borderStyle: s.borderTopStyle, cursor: s.cursor, opacity: s.opacity };
  })()`) as Promise<{ color: string; background: string; borderStyle: string; cursor: string; opacity: string }>;

describe('paging buttons', () => {
  it('are disabled buttons where there is no page, styled apart from the live link, and do nothing', async () => {
    const p = await browser.context.newPage();
    const pageErrors: string[] = [];
    p.on('pageerror', (e) => pageErrors.push(e.message));
    p.on('console', (m) => /Content Security Policy/i.test(m.text()) && pageErrors.push(m.text()));
    try {
      await p.goto(base);
      await p.getByLabel('API key').fill(API_KEY);
      await p.getByRole('button', { name: 'Sign in' }).click();
      await p.locator('section.results[aria-busy="false"]').waitFor();
      expect(await p.locator('.pager .range').textContent()).toBe('1–25 of 30');

      // Page 1: no previous page.
      const previous = p.locator('.pager').getByRole('button', { name: 'Previous' });
      expect(await previous.isDisabled()).toBe(true);
      expect(await p.locator('.pager').getByRole('link', { name: 'Previous' }).count()).toBe(0);
      const disabled = await look(p, '.pager button:disabled');
      const live = await look(p, '.pager a[rel="next"]');
      expect(disabled).toMatchObject({ borderStyle: 'dashed', cursor: 'not-allowed', background: 'rgba(0, 0, 0, 0)', color: 'rgb(87, 96, 106)' });
      expect(live.borderStyle).toBe('solid');
      expect(disabled.color).not.toBe(live.color);
      expect(disabled.background).not.toBe(live.background);
      // Hovering changes nothing; clicking goes nowhere; the keyboard passes it by.
      await previous.hover({ force: true });
      expect(await look(p, '.pager button:disabled')).toEqual(disabled);
      await previous.click({ force: true });
      expect(new URL(p.url()).searchParams.get('page')).toBeNull();
      expect(await p.evaluate(`(() => { const b = document.querySelector('.pager button:disabled'); b.focus(); return document.activeElement === b; })()`)).toBe(false);
      await p.locator('.pager').screenshot({ path: join(ARTIFACTS, 'pager-first-page.png') });

      // The last page: no next page, and Previous is a live link again.
      await p.locator('.pager').getByRole('link', { name: 'Next' }).click();
      await p.locator('section.results[aria-busy="false"]').waitFor();
      expect(await p.locator('.pager .range').textContent()).toBe('26–30 of 30');
      expect(await p.locator('.pager').getByRole('button', { name: 'Next' }).isDisabled()).toBe(true);
      expect(await p.locator('.pager').getByRole('link', { name: 'Previous' }).count()).toBe(1);
      expect(await look(p, '.pager button:disabled')).toEqual(disabled);
      expect(await accessibilityViolations(p)).toEqual([]);
      await p.locator('.pager').screenshot({ path: join(ARTIFACTS, 'pager-last-page.png') });
      expect(pageErrors).toEqual([]);
    } finally {
      await p.close();
    }
  });
});
