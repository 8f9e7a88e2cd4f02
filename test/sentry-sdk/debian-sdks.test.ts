// Real, unmodified SDKs from Debian's archive (sentry-python, the Ruby Raven client, sentry-go) against a listening app: issue 16's scenario.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, expect, it, vi } from 'vitest';
import { auth } from '../helper.js';
import { expectScenario, run as runIn, startService, type Group, type Service } from './scenario.js';

vi.setConfig({ testTimeout: 90_000 });

const APPS = fileURLToPath(new URL('./apps/', import.meta.url));

let s: Service;
beforeEach(async () => {
  s = await startService();
});
afterEach(async () => {
  await s.close();
});

const run = (command: string, args: string[], env: Record<string, string>) => runIn(command, args, APPS, env);
const latest = async (id: number) => (await s.t.app.inject({ url: `/api/errors/${id}`, headers: auth })).json().occurrences[0];

/**
 * The scenario every SDK runs (apps/): what must arrive, whatever the SDK (scenario.ts); and the
 * non-error items the SDK sent (the relay saw them), none of which may make a group.
 */
async function expectDebianScenario(project: string, handledType: string, uncaughtType: string, output: string, nonErrorItems: string[]): Promise<Group[]> {
  const context = `${output}\nitems: ${s.items.join(',')}`;
  expect([...new Set(s.items)].sort(), context).toEqual(['event', ...nonErrorItems].sort());
  return expectScenario(s.t, { project, handledType, uncaughtType }, context);
}

it('sentry-python (python3-sentry-sdk): handled twice, two messages, uncaught, release, environment, user, tag, breadcrumb', async () => {
  const { code, output } = await run('/usr/bin/python3', ['python_app.py'], { SENTRY_DSN: await s.dsnFor('py') });
  expect(code, output).toBe(1);
  // sentry-python 1.9 tracks sessions only per request in its web integrations: a script sends none.
  const groups = await expectDebianScenario('py', 'ValueError', 'KeyError', output, ['transaction']);
  const handled = groups.find((g) => g.exception_type === 'ValueError')!;
  expect(handled).toMatchObject({ line: 12, function: 'parse_order' });
  const uncaught = (await latest(groups.find((g) => g.exception_type === 'KeyError')!.id)).exceptions.at(-1);
  expect(uncaught.mechanism).toMatchObject({ handled: false });
});

it('the Raven client (ruby-sentry-raven): base64+zlib on /store/, the same scenario', async () => {
  const { code, output } = await run('ruby', ['raven_app.rb'], { SENTRY_DSN: await s.dsnFor('rb') });
  expect(code, output).toBe(1);
  // Raven predates sessions, transactions and client reports: events only.
  const groups = await expectDebianScenario('rb', 'ArgumentError', 'KeyError', output, []);
  expect(groups.find((g) => g.exception_type === 'ArgumentError')).toMatchObject({ line: 16 });
});

it('sentry-go (golang-github-getsentry-sentry-go-dev): the same scenario; a recovered panic groups at the panicking line, not the recover closure', async () => {
  const build = mkdtempSync(join(tmpdir(), 'et-sentry-go-'));
  try {
    // Debian's source tree, GOPATH mode: no module download.
    const goEnv = { GO111MODULE: 'off', GOPATH: '/usr/share/gocode', GOCACHE: join(build, 'cache'), GOFLAGS: '' };
    const compiled = await run('go', ['build', '-o', join(build, 'app'), 'go_app.go'], goEnv);
    expect(compiled.code, compiled.output).toBe(0);
    const { code, output } = await run(join(build, 'app'), [], { SENTRY_DSN: await s.dsnFor('go') });
    expect(code, output).toBe(1);
    // sentry-go 0.11 has no sessions nor client reports; the app's span is a transaction.
    const groups = await expectDebianScenario('go', '*strconv.NumError', 'runtime.plainError', output, ['transaction']);
    expect(groups.find((g) => g.exception_type === '*strconv.NumError')).toMatchObject({ line: 45, function: 'main' });
    expect(groups.find((g) => g.exception_type === 'runtime.plainError')).toMatchObject({ line: 26, function: 'applyDiscount' });
  } finally {
    rmSync(build, { recursive: true, force: true });
  }
});
