// The real @sentry/node 10.x in a child process, pointed at a listening app by nothing but a DSN (the whole issue 16 scenario, 7.x to 10.x: node-sdk-majors.test.ts).
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { auth, buildTestApp, type TestApp } from '../helper.js';

const md5 = (s: string) => createHash('md5').update(s).digest('hex');
const SENTRY_NODE = createRequire(import.meta.url).resolve('@sentry/node');

let t: TestApp;
let dir: string;
beforeEach(async () => {
  t = await buildTestApp();
  await t.app.listen({ port: 0, host: '127.0.0.1' });
  dir = mkdtempSync(join(tmpdir(), 'et-sentry-node-'));
});
afterEach(async () => {
  await t.close();
  rmSync(dir, { recursive: true, force: true });
});

// Line numbers matter: the fingerprint is file:line of the throw.
const APP = `const Sentry = require(process.env.SENTRY_NODE);
Sentry.init({ dsn: process.env.SENTRY_DSN, release: 'shop@1.0.0', environment: 'test' });

function parseOrder(input) {
  if (!input.id) {
    throw new Error('order id missing');
  }
}

try {
  parseOrder({});
} catch (err) {
  Sentry.captureException(err);
}

setTimeout(() => {
  null.total; // an uncaught TypeError: the SDK reports it, then exits with status 1
}, 200);
`;

it('a captured Error and an uncaught exception arrive as groups with the file:line of their throw', async () => {
  const res = await t.app.inject({ method: 'POST', url: '/api/projects', headers: auth, payload: { name: 'node-app' } });
  const { dsn } = res.json();
  const address = t.app.server.address() as { port: number };
  const localDsn = dsn.replace(/@[^/]+\//, `@127.0.0.1:${address.port}/`);
  const file = join(dir, 'app.cjs');
  writeFileSync(file, APP);

  const child = spawn(process.execPath, [file], { cwd: dir, env: { PATH: process.env.PATH ?? '', SENTRY_DSN: localDsn, SENTRY_NODE }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (d) => (output += d));
  child.stderr.on('data', (d) => (output += d));
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  expect(code, output).toBe(1);

  // The SDK flushes before exiting, but give the group commit a moment on a busy machine.
  let groups: Array<Record<string, unknown>> = [];
  for (let i = 0; i < 50 && groups.length < 2; i++) {
    groups = (await t.app.inject({ url: '/api/errors?project=node-app', headers: auth })).json().errors;
    if (groups.length < 2) await new Promise((r) => setTimeout(r, 100));
  }
  const byType = Object.fromEntries(groups.map((g) => [g.exception_type, g]));
  expect(Object.keys(byType).sort(), output).toEqual(['Error', 'TypeError']);
  expect(byType.Error).toMatchObject({ file, line: 6, function: 'parseOrder', message: 'order id missing', source: 'server', release: 'shop@1.0.0', environment: 'test' });
  expect(byType.Error!.fingerprint).toBe(md5(`node-app:Error:${file}:6`));
  expect(byType.TypeError).toMatchObject({ file, line: 17, source: 'server' });
  expect(byType.TypeError!.fingerprint).toBe(md5(`node-app:TypeError:${file}:17`));
});
