// The real @sentry/browser 7.x, 8.x and 10.x in headless Chromium: issue 16's whole scenario, checked through the API.
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { build } from 'rolldown';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { launchChromium, servePages, type Browser } from '../chromium.js';
import { screenshot } from '../browser/browser.js';
import { API_KEY } from '../helper.js';
import { eventually, expectScenario, listGroups, sdkOf, startService, type Service } from './scenario.js';

vi.setConfig({ testTimeout: 90_000, hookTimeout: 90_000 });

const require = createRequire(import.meta.url);

/** The SDK from node_modules, bundled for the page as it is (the npm packages ship no browser bundle). */
async function bundle(pkg: string): Promise<string> {
  const out = await build({ input: fileURLToPath(import.meta.resolve(pkg)), platform: 'browser', logLevel: 'silent', write: false, output: { format: 'iife', name: 'Sentry' } });
  return out.output[0].code;
}

let browser: Browser;
let s: Service;
beforeAll(async () => {
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
});
beforeEach(async () => {
  s = await startService();
});
afterEach(async () => {
  await s.close();
});

// Line numbers matter: the handled exception is thrown on line 7, the uncaught one on line 20.
const APP_JS = `Sentry.setUser({ id: 'u-42', email: 'jane@example.com' });
Sentry.setTag('feature', 'checkout');
Sentry.addBreadcrumb({ category: 'cart', message: 'added item 7', level: 'info', data: { password: 'hunter2', item: 7 } });

function parseOrder(input) {
  if (!input.id) {
    throw new RangeError('order id missing');
  }
}
function notify(text) {
  Sentry.captureMessage(text, 'warning');
}
// A message between the two captures: the SDKs' Dedupe integration drops an event equal to the one before.
for (var i = 0; i < 2; i++) {
  try { parseOrder({}); } catch (err) { Sentry.captureException(err); }
  notify(i === 0 ? 'payment failed' : 'inventory low');
}
notify('debug only'); // dropped by beforeSend: the SDK counts it in a client report
setTimeout(function () {
  null.total; // uncaught: the SDK's global handler reports it
}, 300);
`;

/** The event as this SDK sent it, on the error's page: breadcrumb, user, tag and contexts (the browser SDKs send trace and culture; Sentry's Relay derives browser and os from the User-Agent, we do not yet), with a screenshot. */
async function expectShownInUi(id: number, name: string): Promise<void> {
  const ui = await browser.context.newPage();
  try {
    await ui.setViewportSize({ width: 1280, height: 900 });
    await ui.goto(`http://127.0.0.1:${(s.t.app.server.address() as { port: number }).port}/?error=${id}`);
    await ui.getByLabel('API key').fill(API_KEY);
    await ui.getByRole('button', { name: 'Sign in' }).click();
    const occurrence = ui.locator('article.occurrence').first();
    await occurrence.waitFor();
    expect(await occurrence.locator('.breadcrumbs .timeline').textContent()).toContain('added item 7');
    expect(await occurrence.locator('table.user').textContent()).toContain('jane@example.com');
    expect(await occurrence.locator('table.tags').textContent()).toContain('checkout');
    expect(await occurrence.locator('.contexts caption').allTextContents()).toEqual(expect.arrayContaining(['trace']));
    await screenshot(ui, name);
  } finally {
    await ui.close();
  }
}

// Besides events, every major sends sessions (page load, then updates with errors), the page load's
// transaction (the tracing integration) and, when the page is hidden, a client report of the event its
// beforeSend dropped; none may make a group.
describe.each([
  ['7.x', '@sentry/browser-v7'],
  ['8.x', '@sentry/browser-v8'],
  ['10.x', '@sentry/browser'],
])('@sentry/browser %s', (major, pkg) => {
  it('handled twice from one line, two messages, uncaught, release, environment, user, tag, breadcrumb; sessions, transaction and client report make no group', async () => {
    expect(require(`${pkg}/package.json`).version.split('.')[0]).toBe(major.split('.')[0]);
    const dsn = await s.dsnFor('web');
    const html = `<!doctype html><html><head><script src="/sentry.js"></script>
<script>Sentry.init({ dsn: ${JSON.stringify(dsn)}, release: 'shop@3.1.0', environment: 'staging', tracesSampleRate: 1, beforeSend: (e) => (e.message === 'debug only' ? null : e), integrations: [Sentry.browserTracingIntegration()] });</script>
</head><body><script src="/app.js"></script></body></html>`;
    const pages = await servePages({ '/': ['text/html', html], '/sentry.js': ['text/javascript', await bundle(pkg)], '/app.js': ['text/javascript', APP_JS] });
    try {
      const page = await browser.context.newPage();
      const logs: string[] = [];
      page.on('console', (m) => logs.push(m.text()));
      await page.goto(`${pages.origin}/`);
      // The page load's transaction closes when the page goes idle, after the events.
      await eventually(async () => s.items.includes('transaction') && s.items.includes('session') && (await listGroups(s.t, 'project=web')).length >= 4);
      await page.close({ runBeforeUnload: true });
      await eventually(async () => s.items.includes('client_report'));
      const context = `items: ${s.items.join(',')}\nconsole: ${logs.join('\n')}`;
      expect(s.items, context).toEqual(expect.arrayContaining(['event', 'session', 'transaction', 'client_report']));
      const groups = await expectScenario(s.t, { project: 'web', handledType: 'RangeError', uncaughtType: 'TypeError', uncaughtMechanism: true }, context);
      const file = `${pages.origin}/app.js`;
      expect(groups.find((g) => g.exception_type === 'RangeError')).toMatchObject({ file, line: 7, function: 'parseOrder', source: 'browser' });
      expect(groups.find((g) => g.exception_type === 'TypeError')).toMatchObject({ file, line: 20, source: 'browser' });
      expect((await sdkOf(s, groups[0]!.id)).version).toMatch(new RegExp(`^${major.split('.')[0]}\\.`));
      await expectShownInUi(groups.find((g) => g.exception_type === 'RangeError')!.id, `sdk-browser-${major.split('.')[0]}-event`);
    } finally {
      await pages.close();
    }
  });
});
