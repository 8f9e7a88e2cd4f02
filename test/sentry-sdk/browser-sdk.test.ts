// The real @sentry/browser 10.x in headless Chromium, on a page of another origin, reporting by DSN alone (the whole issue 16 scenario, 7.x to 10.x: browser-sdk-majors.test.ts).
import { createHash } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { build } from 'rolldown';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { launchChromium, servePages, waitFor, type Browser } from '../chromium.js';
import { auth, buildTestApp, type TestApp } from '../helper.js';

const md5 = (s: string) => createHash('md5').update(s).digest('hex');

let t: TestApp;
let browser: Browser;
let sdkBundle: string;
beforeAll(async () => {
  // The SDK from node_modules, bundled for the page (the npm package ships no browser bundle).
  const bundle = await build({
    input: fileURLToPath(import.meta.resolve('@sentry/browser')),
    platform: 'browser',
    logLevel: 'silent',
    write: false,
    output: { format: 'iife', name: 'Sentry' },
  });
  sdkBundle = bundle.output[0].code;
  t = await buildTestApp();
  await t.app.listen({ port: 0, host: '127.0.0.1' });
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await t?.close();
});

// Line numbers matter: the crash frame is app.js line 3.
const APP_JS = `function clickPay() {
  var order;
  return order.total;
}
setTimeout(clickPay, 50);
`;

it('an unhandled TypeError on a cross-origin page becomes a browser group at app.js:3', async () => {
  const { dsn } = (await t.app.inject({ method: 'POST', url: '/api/projects', headers: auth, payload: { name: 'web' } })).json();
  const { port } = t.app.server.address() as { port: number };
  const localDsn = dsn.replace(/@[^/]+\//, `@127.0.0.1:${port}/`);
  const html = `<!doctype html><html><head><script src="/sentry.js"></script>
<script>Sentry.init({ dsn: ${JSON.stringify(localDsn)}, release: 'web@1.0.0', environment: 'production' });</script>
</head><body><script src="/app.js"></script></body></html>`;
  const pages = await servePages({ '/': ['text/html', html], '/sentry.js': ['text/javascript', sdkBundle], '/app.js': ['text/javascript', APP_JS] });
  try {
    const page = await browser.context.newPage();
    const consoleErrors: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') consoleErrors.push(m.text());
    });
    await page.goto(`${pages.origin}/`);
    const group = await waitFor(async () => (await t.app.inject({ url: '/api/errors?project=web', headers: auth })).json().errors[0]);
    const file = `${pages.origin}/app.js`;
    expect(group).toMatchObject({ exception_type: 'TypeError', file, line: 3, function: 'clickPay', source: 'browser', release: 'web@1.0.0' });
    expect(group.fingerprint).toBe(md5(`web:TypeError:${file}:3`));
    const detail = (await t.app.inject({ url: `/api/errors/${group.id}`, headers: auth })).json();
    expect(detail.occurrences[0].request_url).toBe(`${pages.origin}/`);
    expect(detail.occurrences[0].request_headers['User-Agent']).toContain('Chrome');
    // A CORS failure would show up here: the reply must be readable by the page.
    expect(consoleErrors.filter((e) => /CORS|Access-Control/i.test(e))).toEqual([]);
    await page.close();
  } finally {
    await pages.close();
  }
});
