// The favicon: /favicon.ico (asked for by browsers on every page) and the SVG icon index.html names, served
// under the page's CSP; a page load in Chromium has no 404 and no CSP report.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { buildTestApp, type TestApp } from '../helper.js';
import { launch, type Browser } from './browser.js';

vi.setConfig({ testTimeout: 90_000 });

let t: TestApp;
let base: string;
let browser: Browser;
beforeAll(async () => {
  t = await buildTestApp();
  await t.app.listen({ port: 0, host: '127.0.0.1' });
  base = `http://127.0.0.1:${(t.app.server.address() as { port: number }).port}`;
  browser = await launch();
});
afterAll(async () => {
  await browser?.close();
  await t?.close();
});

describe('favicon', () => {
  it('/favicon.ico is a 32x32 icon (an ICO holding a PNG), /favicon.svg an SVG', async () => {
    const ico = await fetch(`${base}/favicon.ico`);
    expect(ico.status).toBe(200);
    expect(ico.headers.get('content-type')).toMatch(/^image\/(x-icon|vnd\.microsoft\.icon)/);
    const bytes = Buffer.from(await ico.arrayBuffer());
    expect([...bytes.subarray(0, 6)]).toEqual([0, 0, 1, 0, 1, 0]); // ICO, one image
    expect([bytes[6], bytes[7]]).toEqual([32, 32]);
    expect(bytes.subarray(22, 26).toString('latin1')).toBe('\x89PNG');
    const svg = await fetch(`${base}/favicon.svg`);
    expect(svg.status).toBe(200);
    expect(svg.headers.get('content-type')).toMatch(/^image\/svg\+xml/);
    expect(await svg.text()).toMatch(/^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
  });

  it('the UI names its icons; in Chromium both load under the CSP and the page has no 404', async () => {
    const page = await browser.context.newPage();
    const failures: string[] = [];
    const consoleLines: string[] = [];
    page.on('response', (r) => r.status() >= 400 && failures.push(`${r.status()} ${r.url()}`));
    page.on('console', (m) => consoleLines.push(m.text()));
    try {
      await page.goto(`${base}/`);
      await page.locator('#api-key').waitFor();
      const icons = (await page.evaluate(`[...document.querySelectorAll('link[rel=icon]')].map((l) => l.getAttribute('href'))`)) as string[];
      expect(icons).toEqual(['/favicon.svg', '/favicon.ico']);
      // Loaded as images by the page itself, so the page's CSP (img-src) decides.
      const sizes = await page.evaluate(`Promise.all(${JSON.stringify(icons)}.map((src) => { const img = new Image(); img.src = src; return img.decode().then(() => [img.naturalWidth, img.naturalHeight]); }))`);
      expect(sizes).toEqual([[32, 32], [32, 32]]);
      expect(failures).toEqual([]);
      expect(consoleLines.filter((l) => /Content Security Policy|404/.test(l))).toEqual([]);
    } finally {
      await page.close();
    }
  });
});
