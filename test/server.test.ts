// The real process, as `npm start` runs it: defaults, the generated key, .env, bad config, signals.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startServer, type Running } from './spawn-server.js';

let dir: string;
let running: Running | undefined;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'et-server-'));
});
afterEach(async () => {
  if (running && running.child.exitCode === null) {
    running.child.kill('SIGKILL');
    await running.exited;
  }
  running = undefined;
  rmSync(dir, { recursive: true, force: true });
});

describe('npm start on the defaults', () => {
  it('creates ./data/errors.db, generates a key once (0600), prints it, and reuses it', async () => {
    running = await startServer(dir);
    const keyFile = join(dir, 'data', 'api-key');
    const key = readFileSync(keyFile, 'utf8').trim();
    expect(key).toMatch(/^[0-9a-f]{64}$/);
    expect(statSync(keyFile).mode & 0o777).toBe(0o600);
    expect(running.stdout()).toContain(key);
    expect(running.stdout()).toContain(keyFile);
    expect(existsSync(join(dir, 'data', 'errors.db'))).toBe(true);

    const post = await fetch(`${running.url}/api/errors`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': key },
      body: JSON.stringify({ project: 'p', exception_type: 'E', message: 'm' }),
    });
    expect(post.status).toBe(201);
    expect((await fetch(`${running.url}/api/errors`)).status).toBe(401);

    running.child.kill('SIGTERM');
    expect(await running.exited).toBe(0);

    running = await startServer(dir);
    expect(readFileSync(keyFile, 'utf8').trim()).toBe(key);
    expect(running.stdout()).not.toContain(key);
    const list = await fetch(`${running.url}/api/errors`, { headers: { 'x-api-key': key } });
    expect(((await list.json()) as { total: number }).total).toBe(1);
  });

  it('writes JSON log lines', async () => {
    running = await startServer(dir, { API_KEY: 'k'.repeat(32) });
    const lines = running.stdout().split('\n').filter((l) => l.startsWith('{'));
    expect(lines.length).toBeGreaterThan(0);
    for (const l of lines) expect(JSON.parse(l)).toHaveProperty('level');
    expect(running.stdout()).not.toContain('k'.repeat(32));
  });

  it('reads .env from the working directory, under the real environment', async () => {
    writeFileSync(join(dir, '.env'), `API_KEY=${'e'.repeat(32)}\nDATABASE_PATH=./elsewhere/x.db\n`);
    running = await startServer(dir);
    expect(existsSync(join(dir, 'elsewhere', 'x.db'))).toBe(true);
    expect((await fetch(`${running.url}/api/projects`, { headers: { 'x-api-key': 'e'.repeat(32) } })).status).toBe(200);
  });
});

describe('refusing to start', () => {
  it('names every invalid variable and exits non-zero', async () => {
    running = await startServer(dir, { LOG_LEVEL: 'loud', RETENTION_DAYS: 'forever', SMTP_PORT: '99999' });
    expect(await running.exited).toBe(1);
    for (const name of ['LOG_LEVEL', 'RETENTION_DAYS', 'SMTP_PORT']) expect(running.stderr()).toContain(name);
  });

  it('says why when the database cannot be opened', async () => {
    writeFileSync(join(dir, 'not-a-db'), 'this is not sqlite '.repeat(100));
    running = await startServer(dir, { API_KEY: 'k'.repeat(32), DATABASE_PATH: join(dir, 'not-a-db') });
    expect(await running.exited).toBe(1);
    expect(running.stdout()).toContain('cannot open the database');
    expect(running.stdout()).toContain('not-a-db');
  });
});

describe('README', () => {
  it('shows the two commands first, and its curl examples work as printed', async () => {
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
    const firstBlock = /```sh\n([\s\S]*?)```/.exec(readme)![1]!;
    expect(firstBlock).toMatch(/^npm install && npm start\b/m);
    expect(firstBlock).toMatch(/^npm test\b/m);

    const key = 'r'.repeat(40);
    running = await startServer(dir, { API_KEY: key });
    // A command runs from a line starting with `curl` to the next such line or the end of its block.
    const commands = [...readme.matchAll(/```sh\n([\s\S]*?)```/g)]
      .flatMap((m) => m[1]!.split(/\n(?=curl )/))
      .map((c) => c.trim())
      .filter((c) => c.startsWith('curl '));
    expect(commands.length).toBeGreaterThanOrEqual(7);
    for (const command of commands) {
      const res = await runShell(command.replaceAll('http://localhost:5010', running.url), { API_KEY: key });
      expect(res.code, command).toBe(0);
      const body = JSON.parse(res.stdout);
      expect(body.code, `${command}\n${res.stdout}`).toBeUndefined();
    }
    const list = (await (await fetch(`${running.url}/api/errors`, { headers: { 'x-api-key': key } })).json()) as { errors: unknown[] };
    expect(list.errors[0]).toMatchObject({ project: 'shop', exception_type: 'ValueError', file: '/srv/shop/views.py', line: 42, resolved: false });
  }, 120_000); // a real server and a dozen shell commands: 47 s measured on a loaded shared machine
});

// The README's reporter snippets run in test/process/readme-reporters.test.ts.

function runShell(command: string, env: Record<string, string>): Promise<{ code: number | null; stdout: string }> {
  return new Promise((resolve) => {
    const child = spawn('bash', ['-c', command], { env: { PATH: process.env.PATH ?? '', ...env } });
    let stdout = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.on('exit', (code) => resolve({ code, stdout }));
  });
}
