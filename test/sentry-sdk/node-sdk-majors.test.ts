// The real @sentry/node 7.x, 8.x and 10.x in a child process: issue 16's whole scenario, checked through the API.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { expectScenario, run, sdkOf, startService, type Service } from './scenario.js';

vi.setConfig({ testTimeout: 90_000 });

const require = createRequire(import.meta.url);

let s: Service;
let dir: string;
beforeEach(async () => {
  s = await startService();
  dir = mkdtempSync(join(tmpdir(), 'et-sentry-node-'));
});
afterEach(async () => {
  await s.close();
  rmSync(dir, { recursive: true, force: true });
});

// Line numbers matter: the handled exception is thrown on line 9, the uncaught one on line 23.
// startSpan is the one tracing call all three majors share (7.x has it since 7.69).
// A generous shutdownTimeout: the flush on the uncaught exception must not give up on a loaded machine.
const APP = `const Sentry = require(process.env.SENTRY_NODE);
Sentry.init({ dsn: process.env.SENTRY_DSN, release: 'shop@3.1.0', environment: 'staging', tracesSampleRate: 1, shutdownTimeout: 10000, beforeSend: (e) => (e.message === 'debug only' ? null : e) });
Sentry.setUser({ id: 'u-42', email: 'jane@example.com' });
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
for (let i = 0; i < 2; i++) {
  try { parseOrder({}); } catch (err) { Sentry.captureException(err); }
  notify(i === 0 ? 'payment failed' : 'inventory low');
}
notify('debug only'); // dropped by beforeSend: the SDK counts it in a client report
Sentry.startSpan({ name: 'nightly-report', op: 'task' }, () => {});
setTimeout(() => {
  null.total; // uncaught: the SDK reports it, flushes, and exits with status 1
}, 300);
`;

// What each major sends besides events in this run (seen through the relay), none of which may make a
// group: sessions (at start, then updated by the errors), the span's transaction, and from 8.x on a
// client report of the event beforeSend dropped (7.x's Node client sends no client reports).
describe.each([
  ['7.x', '@sentry/node-v7', ['transaction', 'session']],
  ['8.x', '@sentry/node-v8', ['transaction', 'session', 'client_report']],
  ['10.x', '@sentry/node', ['transaction', 'session', 'client_report']],
])('@sentry/node %s', (major, pkg, nonErrorItems) => {
  it('handled twice from one line, two messages, uncaught, release, environment, user, tag, breadcrumb; its other traffic makes no group', async () => {
    const sdk = require.resolve(pkg);
    expect(require(`${pkg}/package.json`).version.split('.')[0]).toBe(major.split('.')[0]);
    const file = join(dir, 'app.cjs');
    writeFileSync(file, APP);
    const { code, output } = await run(process.execPath, [file], dir, { SENTRY_DSN: await s.dsnFor('node-app'), SENTRY_NODE: sdk });
    expect(code, output).toBe(1);
    const context = `${output}\nitems: ${s.items.join(',')}`;
    expect(s.items, context).toEqual(expect.arrayContaining(['event', ...nonErrorItems]));
    const groups = await expectScenario(s.t, { project: 'node-app', handledType: 'RangeError', uncaughtType: 'TypeError', uncaughtMechanism: true }, context);
    expect(groups.find((g) => g.exception_type === 'RangeError')).toMatchObject({ file, line: 9, function: 'parseOrder', source: 'server' });
    expect(groups.find((g) => g.exception_type === 'TypeError')).toMatchObject({ file, line: 23 });
    // The major under test, not another copy of the SDK, sent it.
    expect((await sdkOf(s, groups[0]!.id)).version).toMatch(new RegExp(`^${major.split('.')[0]}\\.`));
  });
});
