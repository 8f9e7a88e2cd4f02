// The README's start command as a supervisor runs it: built once at install, fast to restart, stopped by SIGTERM or Ctrl-C.
import { rmSync, statSync, utimesSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../spawn-server.js';
import { answers, cleanEnv, copyProject, processesIn, readmeTopCommands, run, until, type Spawned } from './start-command.js';

const { start } = readmeTopCommands();
let dir: string;
let spawned: Spawned | undefined;

beforeAll(() => {
  dir = copyProject();
});
afterAll(async () => {
  if (spawned && spawned.child.exitCode === null && spawned.child.signalCode === null) {
    spawned.child.kill('SIGKILL');
    await spawned.exited;
  }
  for (const pid of processesIn(dir)) process.kill(pid, 'SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

/** Starts the README's start command in the copy and waits until the service answers. */
async function startService(group = false): Promise<{ url: string }> {
  const port = await freePort();
  const env = cleanEnv({ HOST: '127.0.0.1', PORT: String(port), DATABASE_PATH: join(dir, 'data', 'errors.db'), API_KEY: 'k'.repeat(32) });
  spawned = run(start, dir, env, group);
  const url = `http://127.0.0.1:${port}`;
  const up = await until(async () => spawned!.child.exitCode !== null || (await answers(url)), 90_000);
  if (!up || spawned.child.exitCode !== null) throw new Error(`the service did not start:\n${spawned.output()}`);
  return { url };
}

/** After a stop: the command exited, the port is closed, nothing is left running in the project. */
async function expectStopped(url: string): Promise<void> {
  const { code } = await spawned!.exited;
  expect(code).toBe(0);
  expect(await until(() => processesIn(dir).length === 0, 15_000)).toBe(true);
  expect(await answers(url)).toBe(false);
  expect(spawned!.output()).toMatch(/"msg":"stopped"/);
  expect(spawned!.output()).toMatch(/"clean":true/);
  expect(spawned!.output()).not.toMatch(/second signal/);
}

const mtime = (file: string) => statSync(join(dir, file)).mtimeMs;

describe('the README start command', () => {
  it('is what install prepares: install builds dist/, the start command does not run tsc again', { timeout: 240_000 }, async () => {
    // npm install and npm ci run the package's `prepare` script after installing; node_modules is already here.
    const install = run(['npm', 'run', 'prepare'], dir, cleanEnv({}));
    expect((await install.exited).code, install.output()).toBe(0);
    expect(install.output()).toContain('building dist/ with tsc');
    const built = { server: mtime('dist/server.js'), stamp: mtime('dist/.build-stamp') };

    const { url } = await startService();
    expect(spawned!.output()).not.toContain('building dist/');
    spawned!.child.kill('SIGTERM');
    await expectStopped(url);
    expect(mtime('dist/server.js')).toBe(built.server);
    expect(mtime('dist/.build-stamp')).toBe(built.stamp);
  });

  it('SIGTERM to the process it starts stops the service: port closed, no orphan left', { timeout: 180_000 }, async () => {
    const { url } = await startService();
    expect(processesIn(dir).length).toBeGreaterThan(0);
    spawned!.child.kill('SIGTERM');
    await expectStopped(url);
  });

  it('Ctrl-C (SIGINT to the whole process group) stops it cleanly, once', { timeout: 180_000 }, async () => {
    const { url } = await startService(true);
    process.kill(-spawned!.child.pid!, 'SIGINT');
    await expectStopped(url);
    expect(spawned!.output().match(/"msg":"shutting down"/g)).toHaveLength(1);
  });

  it('rebuilds at the next start when a source changed', { timeout: 240_000 }, async () => {
    const before = mtime('dist/server.js');
    const now = new Date();
    utimesSync(join(dir, 'src', 'app.ts'), now, now);
    const { url } = await startService();
    expect(spawned!.output()).toContain('building dist/ with tsc (src/app.ts changed)');
    expect(mtime('dist/server.js')).toBeGreaterThan(before);
    spawned!.child.kill('SIGTERM');
    await expectStopped(url);
  });
});
