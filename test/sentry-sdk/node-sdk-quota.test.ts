// The real @sentry/node 10.x over its project's quota: one 429 with X-Sentry-Rate-Limits and it stops sending events.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { auth, buildTestApp, type TestApp } from '../helper.js';

const SENTRY_NODE = createRequire(import.meta.url).resolve('@sentry/node');

let t: TestApp;
let dir: string;
beforeEach(async () => {
  t = await buildTestApp();
  await t.app.listen({ port: 0, host: '127.0.0.1' });
  dir = mkdtempSync(join(tmpdir(), 'et-sentry-quota-'));
});
afterEach(async () => {
  await t.close();
  rmSync(dir, { recursive: true, force: true });
});

// Each event is flushed before the next, so the SDK has read the previous reply.
const APP = `const Sentry = require(process.env.SENTRY_NODE);
Sentry.init({ dsn: process.env.SENTRY_DSN });
(async () => {
  for (let i = 0; i < 6; i++) {
    Sentry.captureException(new Error('burst ' + i));
    await Sentry.flush(10000);
  }
  process.exit(0);
})();
`;

it('after one 429 over quota the SDK holds its events back: one stored, one dropped and counted, the rest never sent', async () => {
  const { dsn } = (await t.app.inject({ method: 'POST', url: '/api/projects', headers: auth, payload: { name: 'node-app' } })).json();
  await t.app.inject({ method: 'PUT', url: '/api/projects/node-app/quota', headers: auth, payload: { events_per_minute: 1, events_per_hour: null } });
  const address = t.app.server.address() as { port: number };
  const file = join(dir, 'app.cjs');
  writeFileSync(file, APP);
  const child = spawn(process.execPath, [file], {
    cwd: dir,
    env: { PATH: process.env.PATH ?? '', SENTRY_DSN: dsn.replace(/@[^/]+\//, `@127.0.0.1:${address.port}/`), SENTRY_NODE },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (d) => (output += d));
  child.stderr.on('data', (d) => (output += d));
  expect(await new Promise<number | null>((resolve) => child.on('exit', resolve)), output).toBe(0);

  const project = (await t.app.inject({ url: '/api/projects/node-app', headers: auth })).json();
  const groups = (await t.app.inject({ url: '/api/errors?project=node-app', headers: auth })).json().errors;
  expect(groups.reduce((n: number, g: { count: number }) => n + g.count, 0)).toBe(1);
  // Without the back-off, the five refused events would all have come and been counted.
  expect(project.dropped.total, output).toBe(1);
});
