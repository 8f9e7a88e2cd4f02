// The real process: alerts wired in server.ts, certificates verified against NODE_EXTRA_CA_CERTS, flushed on SIGTERM.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeCert, startSmtp, type SmtpFixture } from './fixtures.js';

const SERVER_JS = fileURLToPath(new URL('../../dist/server.js', import.meta.url));
const KEY = 'p'.repeat(40);
let dir: string;
let child: ChildProcess | undefined;
let smtp: SmtpFixture | undefined;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'et-alert-proc-'));
});
afterEach(async () => {
  if (child && child.exitCode === null) child.kill('SIGKILL');
  child = undefined;
  await smtp?.close();
  smtp = undefined;
  rmSync(dir, { recursive: true, force: true });
});

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const srv = createServer().listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

async function start(env: Record<string, string>) {
  const port = await freePort();
  child = spawn(process.execPath, [SERVER_JS], {
    cwd: dir,
    env: { PATH: process.env.PATH ?? '', HOST: '127.0.0.1', PORT: String(port), API_KEY: KEY, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const exited = new Promise<number | null>((r) => child!.on('exit', (code) => r(code)));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 15_000;
  for (;;) {
    if (await fetch(`${url}/health`).then((r) => r.ok, () => false)) break;
    if (Date.now() > deadline || child.exitCode !== null) throw new Error(`server did not start:\n${out}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  const post = (path: string, body?: unknown) =>
    fetch(`${url}${path}`, { method: 'POST', headers: { 'x-api-key': KEY, ...(body ? { 'content-type': 'application/json' } : {}) }, body: body ? JSON.stringify(body) : undefined });
  return { url, post, out: () => out, exited };
}

describe('alerts in the running service', () => {
  it('sends over implicit TLS on 465, trusting the CA in NODE_EXTRA_CA_CERTS, and answers the test alert', async () => {
    const cert = await makeCert();
    writeFileSync(join(dir, 'ca.pem'), cert.cert);
    smtp = await startSmtp({ mode: 'implicit', cert, port: 465, auth: 'required', user: 'alerts', pass: 'proc-Secret-99' });
    const s = await start({
      NODE_EXTRA_CA_CERTS: join(dir, 'ca.pem'),
      SMTP_HOST: '127.0.0.1',
      SMTP_PORT: '465',
      SMTP_USERNAME: 'alerts',
      SMTP_PASSWORD: 'proc-Secret-99',
      ALERT_EMAILS: 'ops@example.com',
      SMTP_FROM: 'Errors <errors@example.com>',
    });
    const res = await s.post('/api/errors', { project: 'shop', exception_type: 'KeyError', message: 'sku' });
    expect(res.status).toBe(201);
    const [mail] = await smtp.waitFor(1);
    expect(mail).toMatchObject({ secure: true, user: 'alerts', subject: '[shop] New error: KeyError: sku' });

    const test = await s.post('/api/test-alert');
    expect(test.status).toBe(202);
    await smtp.waitFor(2);
    child!.kill('SIGTERM');
    expect(await s.exited).toBe(0);
    expect(s.out()).toContain('Email alert sent to ops@example.com via SMTP (127.0.0.1:465, implicit TLS)');
    expect(s.out()).not.toContain('proc-Secret-99');
  });

  it('warns at start when certificate checks are off, and still delivers over STARTTLS', async () => {
    const cert = await makeCert();
    smtp = await startSmtp({ mode: 'starttls', cert });
    const s = await start({ SMTP_HOST: '127.0.0.1', SMTP_PORT: String(smtp.port), ALERT_EMAILS: 'ops@example.com', SMTP_TLS_REJECT_UNAUTHORIZED: 'false' });
    expect(s.out()).toContain('SMTP_TLS_REJECT_UNAUTHORIZED=false');
    await s.post('/api/errors', { project: 'shop', exception_type: 'KeyError', message: 'sku' });
    expect((await smtp.waitFor(1))[0]).toMatchObject({ secure: true });
  });
});
