// web/reporter.js in headless Chromium: a page of another origin throws and rejects; each arrives once.
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { launchChromium, servePages, waitFor, type Browser } from '../chromium.js';
import { auth, buildTestApp, type TestApp } from '../helper.js';

const md5 = (s: string) => createHash('md5').update(s).digest('hex');

let t: TestApp;
let browser: Browser;
let tracker: string;
beforeAll(async () => {
  t = await buildTestApp();
  await t.app.listen({ port: 0, host: '127.0.0.1' });
  tracker = `http://127.0.0.1:${(t.app.server.address() as { port: number }).port}`;
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await t?.close();
});

// Line numbers matter: the throw is on line 3, the rejection on line 6.
const APP_JS = `(function () {
  function checkout() {
    throw new TypeError('cart is empty');
  }
  function loadPrices() {
    return Promise.reject(new RangeError('price out of range'));
  }
  function start() {
    if (!window.ErrorTracker) return setTimeout(start, 20);
    window.ErrorTracker.setUser('u-7');
    setTimeout(checkout, 0);
    setTimeout(checkout, 10); // the same error again: reported once
    loadPrices();
    setTimeout(function () { document.documentElement.dataset.done = 'yes'; }, 300);
  }
  start();
})();
`;

const html = (key: string) => `<!doctype html><html><head>
<script>document.documentElement.dataset.before = JSON.stringify(Object.keys(window));</script>
<script src="${tracker}/reporter.js" data-key="${key}" data-project="web" data-release="web@2.0.0" async></script>
</head><body><script src="/app.js"></script></body></html>`;

it('reports a throw and a rejection once each, as source browser with the right crash frame, adding one global', async () => {
  const { ingest_key: key } = (await t.app.inject({ method: 'POST', url: '/api/projects', headers: auth, payload: { name: 'web' } })).json();
  const pages = await servePages({ '/': ['text/html', html(key)], '/app.js': ['text/javascript', APP_JS] });
  try {
    const page = await browser.context.newPage();
    await page.goto(`${pages.origin}/`);
    await page.waitForFunction("document.documentElement.dataset.done === 'yes'", undefined, { timeout: 15_000 });

    const list = async () => (await t.app.inject({ url: '/api/errors?project=web', headers: auth })).json().errors as Array<Record<string, unknown>>;
    const groups = await waitFor(async () => {
      const g = await list();
      return g.length >= 2 ? g : undefined;
    });
    const file = `${pages.origin}/app.js`;
    const byType = Object.fromEntries(groups.map((g) => [g.exception_type, g]));
    expect(byType.TypeError).toMatchObject({ file, line: 3, function: 'checkout', source: 'browser', message: 'cart is empty', release: 'web@2.0.0' });
    expect(byType.TypeError!.fingerprint).toBe(md5(`web:TypeError:${file}:3`));
    expect(byType.RangeError).toMatchObject({ file, line: 6, function: 'loadPrices', source: 'browser' });

    const detail = (await t.app.inject({ url: `/api/errors/${byType.TypeError!.id}`, headers: auth })).json();
    expect(detail.occurrences[0]).toMatchObject({ request_url: `${pages.origin}/`, user_id: 'u-7' });
    expect(detail.occurrences[0].request_headers['User-Agent']).toContain('Chrome');

    // Late duplicates would land within this window; the second throw must not have been sent.
    await new Promise((r) => setTimeout(r, 1000));
    expect((await list()).map((g) => g.count)).toEqual([1, 1]);

    // Page code runs in the browser; passed as text because the tests compile without DOM types.
    const added = await page.evaluate('Object.keys(window).filter((k) => !JSON.parse(document.documentElement.dataset.before).includes(k))');
    expect(added).toEqual(['ErrorTracker']);
    await page.close();
  } finally {
    await pages.close();
  }
});

it('caps reports per page, never throws into the page, and the page carries on when the tracker is down', async () => {
  const { ingest_key: key } = (await t.app.inject({ method: 'POST', url: '/api/projects', headers: auth, payload: { name: 'capped' } })).json();
  const page1 = `<!doctype html><script src="${tracker}/reporter.js" data-key="${key}" data-project="capped"></script>
<script>
  for (var i = 0; i < 30; i++) ErrorTracker.captureException(new Error('distinct ' + i));
  ErrorTracker.captureException({ toString: function () { throw new Error('hostile'); } });
  ErrorTracker.setUser({ toString: function () { throw new Error('hostile'); } });
  document.documentElement.dataset.done = 'yes';
</script>`;
  const page2 = `<!doctype html><script src="http://127.0.0.1:9/reporter.js" data-key="${key}" data-project="capped"></script>`;
  const pages = await servePages({ '/': ['text/html', page1], '/down': ['text/html', page2] });
  try {
    const page = await browser.context.newPage();
    const pageErrors: string[] = [];
    page.on('pageerror', (e) => pageErrors.push(e.message));
    await page.goto(`${pages.origin}/`);
    expect(await page.evaluate('document.documentElement.dataset.done')).toBe('yes');
    // Ten distinct errors from one line: one group, counted ten times, and nothing past the cap.
    const count = async () => (await t.app.inject({ url: '/api/errors?project=capped', headers: auth })).json().errors[0]?.count as number | undefined;
    await waitFor(async () => ((await count()) === 10 ? true : undefined));
    await new Promise((r) => setTimeout(r, 1000));
    expect(await count()).toBe(10);
    // The tracker down: the script never loads, the page carries on.
    await page.goto(`${pages.origin}/down`);
    expect(await page.evaluate('typeof window.ErrorTracker')).toBe('undefined');
    expect(pageErrors).toEqual([]);
    await page.close();
  } finally {
    await pages.close();
  }
});

it("needs no data-project (the key names it), and says the first failure once on the console", async () => {
  const { ingest_key: key } = (await t.app.inject({ method: 'POST', url: '/api/projects', headers: auth, payload: { name: 'keyed' } })).json();
  const page = (k: string) => `<!doctype html><script src="${tracker}/reporter.js" data-key="${k}"></script>
<script>
  ErrorTracker.captureException(new Error('first'));
  ErrorTracker.captureException(new RangeError('second'));
  ErrorTracker.captureException(new Error('x'.repeat(300000)));
</script>`;
  const pages = await servePages({ '/': ['text/html', page(key)], '/wrong': ['text/html', page('f'.repeat(32))] });
  try {
    const tab = await browser.context.newPage();
    const warnings: string[] = [];
    tab.on('console', (m) => {
      if (m.type() === 'warning' && m.text().startsWith('error-tracker:')) warnings.push(m.text());
    });
    await tab.goto(`${pages.origin}/`);
    const groups = await waitFor(async () => {
      const g = (await t.app.inject({ url: '/api/errors?project=keyed', headers: auth })).json().errors as Array<Record<string, unknown>>;
      return g.length === 3 ? g : undefined;
    });
    // The 300 KB message was cut to fit a keepalive request, and arrived.
    expect(groups.map((g) => (g.message as string).length).sort((a, b) => a - b)[2]).toBeLessThan(300000);
    expect(warnings).toEqual([]);

    await tab.goto(`${pages.origin}/wrong`);
    await waitFor(async () => (warnings.length > 0 ? true : undefined));
    await new Promise((r) => setTimeout(r, 1000)); // the other two failures would be said by now
    expect(warnings).toHaveLength(1);
    // A 401 carries no CORS headers, so the page sees only that the request failed.
    expect(warnings[0]).toMatch(/^error-tracker: a report was not accepted \(.+\); later failures are not logged$/);
    await tab.close();
  } finally {
    await pages.close();
  }
});
