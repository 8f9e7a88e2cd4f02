// raven-js 3.x (Debian's node-raven-js), the legacy browser client, real and unmodified in headless Chromium: issue 16's scenario.
// Chromium, not Node: raven-js is a browser library; in Node it finds neither XMLHttpRequest nor a
// fetch that accepts `new Request('')`, so it sends nothing, and it has no uncaught-exception hook there.
import { existsSync, readFileSync } from 'node:fs';
import { build } from 'rolldown';
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import { launchChromium, servePages, type Browser } from '../chromium.js';
import { eventually, expectScenario, listGroups, sdkOf, startService, type Service } from './scenario.js';

vi.setConfig({ testTimeout: 90_000, hookTimeout: 90_000 });

/** Where Debian's node-raven-js installs the client. */
const RAVEN = '/usr/share/nodejs/raven-js';

let browser: Browser;
let s: Service;
let ravenBundle: string;
beforeAll(async () => {
  expect(existsSync(`${RAVEN}/package.json`), 'apt-get install node-raven-js').toBe(true);
  // The package ships CommonJS sources only: bundled for the page from its own entry point, as it is.
  const out = await build({ input: `${RAVEN}/src/singleton.js`, platform: 'browser', logLevel: 'silent', write: false, output: { format: 'iife', name: 'Raven' } });
  ravenBundle = out.output[0].code;
  browser = await launchChromium();
  s = await startService();
});
afterAll(async () => {
  await s?.close();
  await browser?.close();
});

// Line numbers matter: the handled exception is thrown on line 7, the uncaught one on line 20.
const APP_JS = `Raven.setUserContext({ id: 'u-42', email: 'jane@example.com' });
Raven.setTagsContext({ feature: 'checkout' });
Raven.captureBreadcrumb({ category: 'cart', message: 'added item 7', level: 'info', data: { password: 'hunter2', item: 7 } });

function parseOrder(input) {
  if (!input.id) {
    throw new RangeError('order id missing');
  }
}
function notify(text) {
  Raven.captureMessage(text, { level: 'warning' });
}
// A message between the two captures: raven-js drops an event equal to the one before.
for (var i = 0; i < 2; i++) {
  try { parseOrder({}); } catch (err) { Raven.captureException(err); }
  notify(i === 0 ? 'payment failed' : 'inventory low');
}

setTimeout(function () {
  null.total; // uncaught: raven-js's window.onerror handler (TraceKit) reports it
}, 300);
`;

// raven-js predates sessions, transactions and client reports: it sends events only, on /store/.
it('handled twice from one line, two messages, uncaught, release, environment, user, tag, breadcrumb, over /store/', async () => {
  const version = JSON.parse(readFileSync(`${RAVEN}/package.json`, 'utf8')).version as string;
  const dsn = await s.dsnFor('legacy-web');
  const html = `<!doctype html><html><head><script src="/raven.js"></script>
<script>Raven.config(${JSON.stringify(dsn)}, { release: 'shop@3.1.0', environment: 'staging' }).install();</script>
</head><body><script src="/app.js"></script></body></html>`;
  const pages = await servePages({ '/': ['text/html', html], '/raven.js': ['text/javascript', ravenBundle], '/app.js': ['text/javascript', APP_JS] });
  try {
    const page = await browser.context.newPage();
    const logs: string[] = [];
    page.on('console', (m) => logs.push(m.text()));
    await page.goto(`${pages.origin}/`);
    await eventually(async () => (await listGroups(s.t, 'project=legacy-web')).length >= 4 && s.items.length >= 5);
    await page.close();
    const context = `items: ${s.items.join(',')}\nconsole: ${logs.join('\n')}`;
    expect(s.items, context).toEqual(['event', 'event', 'event', 'event', 'event']);
    // No mechanism check: raven-js 3.22 sends none, handled and uncaught look alike but for the stack.
    const groups = await expectScenario(s.t, { project: 'legacy-web', handledType: 'RangeError', uncaughtType: 'TypeError' }, context);
    const file = `${pages.origin}/app.js`;
    expect(groups.find((g) => g.exception_type === 'RangeError')).toMatchObject({ file, line: 7, function: 'parseOrder', source: 'browser' });
    expect(groups.find((g) => g.exception_type === 'TypeError')).toMatchObject({ file, line: 20, source: 'browser' });
    // raven-js names itself only in sentry_client (the query): the occurrence's sdk comes from there.
    expect(await sdkOf(s, groups[0]!.id)).toMatchObject({ name: 'raven-js', version });
  } finally {
    await pages.close();
  }
});
