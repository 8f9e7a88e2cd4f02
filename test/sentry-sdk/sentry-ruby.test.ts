// sentry-ruby 5.3 (Debian's ruby-sentry-ruby), real and unmodified, run by rake against a live app: issue 16's scenario.
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, expect, it, vi } from 'vitest';
import { expectScenario, run, sdkOf, startService, type Service } from './scenario.js';

vi.setConfig({ testTimeout: 90_000 });

const APPS = fileURLToPath(new URL('./apps/', import.meta.url));

let s: Service;
beforeEach(async () => {
  s = await startService();
});
afterEach(async () => {
  await s.close();
});

it('handled twice from one line, two messages, uncaught (rake), release, environment, user, tag, breadcrumb; session aggregates and transaction make no group', async () => {
  const { code, output } = await run('rake', ['-f', 'sentry_ruby.rake'], APPS, { SENTRY_DSN: await s.dsnFor('rb') });
  expect(code, output).toBe(1);
  const context = `${output}\nitems: ${s.items.join(',')}`;
  // No client report: sentry-ruby 5.3 sends its first one with an envelope at least 30 s after start
  // (Transport::CLIENT_REPORT_INTERVAL), too long for a bounded test.
  expect(s.items, context).toEqual(expect.arrayContaining(['event', 'sessions', 'transaction']));
  const groups = await expectScenario(s.t, { project: 'rb', handledType: 'ArgumentError', uncaughtType: 'KeyError' }, context);
  // Ruby gives the C method that raised (Kernel#Integer) a frame of its own at its caller's file:line;
  // the frame's filename is relative to the project root (abs_path stays in the occurrence).
  expect(groups.find((g) => g.exception_type === 'ArgumentError')).toMatchObject({ file: 'sentry_ruby.rake', line: 18, function: 'Integer', source: 'server' });
  expect(groups.find((g) => g.exception_type === 'KeyError')).toMatchObject({ line: 40 });
  expect(await sdkOf(s, groups[0]!.id)).toMatchObject({ name: 'sentry.ruby' });
});
