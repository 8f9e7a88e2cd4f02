// Real, unmodified SDKs from Debian's archive (sentry-python, the Ruby Raven client) against a listening app: issue 16's scenario.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, expect, it, vi } from 'vitest';
import { auth, buildTestApp, type TestApp } from '../helper.js';

vi.setConfig({ testTimeout: 90_000 });

const APPS = fileURLToPath(new URL('./apps/', import.meta.url));

let t: TestApp;
beforeEach(async () => {
  t = await buildTestApp();
  await t.app.listen({ port: 0, host: '127.0.0.1' });
});
afterEach(async () => {
  await t.close();
});

async function dsnFor(project: string): Promise<string> {
  const { dsn } = (await t.app.inject({ method: 'POST', url: '/api/projects', headers: auth, payload: { name: project } })).json();
  return dsn.replace(/@[^/]+\//, `@127.0.0.1:${(t.app.server.address() as { port: number }).port}/`);
}

async function run(command: string, args: string[], env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  const child = spawn(command, args, { cwd: APPS, env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (d) => (output += d));
  child.stderr.on('data', (d) => (output += d));
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  return { code, output };
}

type Group = Record<string, unknown> & { id: number; exception_type: string; message: string; count: number };

/** Waits (bounded) until the project has the expected number of groups. */
async function groupsOf(project: string, expected: number): Promise<Group[]> {
  let groups: Group[] = [];
  for (let i = 0; i < 50; i++) {
    groups = (await t.app.inject({ url: `/api/errors?project=${project}&status=all`, headers: auth })).json().errors;
    if (groups.length >= expected) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  return groups;
}

const latest = async (id: number) => (await t.app.inject({ url: `/api/errors/${id}`, headers: auth })).json().occurrences[0];

/** The scenario every SDK runs (apps/): what must arrive, whatever the SDK. */
async function expectScenario(project: string, handledType: string, uncaughtType: string, output: string) {
  const groups = await groupsOf(project, 4);
  // The handled exception twice (one group), two messages (two groups), the uncaught one; the
  // transaction and sessions made none.
  expect(groups.map((g) => `${g.exception_type}:${g.message}`).sort(), output).toEqual(
    [`${handledType}:${groups.find((g) => g.exception_type === handledType)?.message}`, 'Message:inventory low', 'Message:payment failed', `${uncaughtType}:${groups.find((g) => g.exception_type === uncaughtType)?.message}`].sort(),
  );
  const handled = groups.find((g) => g.exception_type === handledType)!;
  expect(handled.count).toBe(2);
  for (const g of groups) expect(g).toMatchObject({ release: 'shop@3.1.0', environment: 'staging' });
  const o = await latest(handled.id);
  expect(o.user).toMatchObject({ id: 'u-42', email: 'jane@example.com' });
  expect(o.tags).toMatchObject({ feature: 'checkout' });
  const crumb = o.breadcrumbs.find((b: { message?: string }) => b.message === 'added item 7');
  expect(crumb).toMatchObject({ category: 'cart', data: { password: '[redacted]', item: 7 } });
  expect(o.exceptions.at(-1)).toMatchObject({ type: handledType });
  const message = groups.find((g) => g.message === 'payment failed')!;
  expect((await latest(message.id)).level).toBe('warning');
  return groups;
}

it('sentry-python (python3-sentry-sdk): handled twice, two messages, uncaught, release, environment, user, tag, breadcrumb', async () => {
  const { code, output } = await run('/usr/bin/python3', ['python_app.py'], { SENTRY_DSN: await dsnFor('py') });
  expect(code, output).toBe(1);
  const groups = await expectScenario('py', 'ValueError', 'KeyError', output);
  const handled = groups.find((g) => g.exception_type === 'ValueError')!;
  expect(handled).toMatchObject({ line: 12, function: 'parse_order' });
  const uncaught = (await latest(groups.find((g) => g.exception_type === 'KeyError')!.id)).exceptions.at(-1);
  expect(uncaught.mechanism).toMatchObject({ handled: false });
});

it('the Raven client (ruby-sentry-raven): base64+zlib on /store/, the same scenario', async () => {
  const { code, output } = await run('ruby', ['raven_app.rb'], { SENTRY_DSN: await dsnFor('rb') });
  expect(code, output).toBe(1);
  const groups = await expectScenario('rb', 'ArgumentError', 'KeyError', output);
  expect(groups.find((g) => g.exception_type === 'ArgumentError')).toMatchObject({ line: 16 });
});

it('sentry-go (golang-github-getsentry-sentry-go-dev): the same scenario; a recovered panic groups at the panicking line, not the recover closure', async () => {
  const build = mkdtempSync(join(tmpdir(), 'et-sentry-go-'));
  try {
    // Debian's source tree, GOPATH mode: no module download.
    const goEnv = { GO111MODULE: 'off', GOPATH: '/usr/share/gocode', GOCACHE: join(build, 'cache'), GOFLAGS: '' };
    const compiled = await run('go', ['build', '-o', join(build, 'app'), 'go_app.go'], goEnv);
    expect(compiled.code, compiled.output).toBe(0);
    const { code, output } = await run(join(build, 'app'), [], { SENTRY_DSN: await dsnFor('go') });
    expect(code, output).toBe(1);
    const groups = await expectScenario('go', '*strconv.NumError', 'runtime.plainError', output);
    expect(groups.find((g) => g.exception_type === '*strconv.NumError')).toMatchObject({ line: 44, function: 'main' });
    expect(groups.find((g) => g.exception_type === 'runtime.plainError')).toMatchObject({ line: 25, function: 'applyDiscount' });
  } finally {
    rmSync(build, { recursive: true, force: true });
  }
});
