// The real process at debug level, after a run that used every secret: its log holds none of them.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { makeCert, startSmtp, type SmtpFixture } from '../alerts/fixtures.js';
import { startServer, type Running } from '../spawn-server.js';

const API_KEY = 'operator-key-that-must-stay-out-of-logs-7f3a';
const SMTP_PASSWORD = 'smtp-password-that-must-stay-out-of-logs-91c2';
/** Values the scrubber redacts, one per place a report can carry them. */
const SCRUBBED = {
  extraPassword: 'scrubbed-extra-password-5d1e',
  nestedToken: 'scrubbed-nested-token-77aa',
  cookie: 'scrubbed-cookie-value-0b9c',
  authorization: 'scrubbed-authorization-header-4e4e',
  urlToken: 'scrubbed-url-token-c0ffee',
  urlPassword: 'scrubbed-url-userinfo-password-3333',
  sentryExtra: 'scrubbed-sentry-extra-secret-8888',
  sentryHeader: 'scrubbed-sentry-header-cookie-9999',
};
const WRONG_KEYS = ['wrong-operator-key-tried-by-an-attacker-1', 'abcdefabcdefabcdefabcdefabcdef12'];

let dir: string | undefined;
let server: Running | undefined;
let smtp: SmtpFixture | undefined;
afterEach(async () => {
  if (server && server.child.exitCode === null) server.child.kill('SIGKILL');
  await smtp?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
  server = smtp = dir = undefined;
});

describe('the log', () => {
  it.each(['required', 'refuse'] as const)(
    'holds no API key, ingest key, SMTP password or scrubbed value (SMTP auth %s)',
    async (smtpAuth) => {
      smtp = await startSmtp({ mode: 'starttls', cert: await makeCert(), auth: smtpAuth, user: 'alerts', pass: SMTP_PASSWORD });
      dir = mkdtempSync(join(tmpdir(), 'et-security-logs-'));
      server = await startServer(dir, {
        API_KEY,
        LOG_LEVEL: 'debug',
        SMTP_HOST: '127.0.0.1',
        SMTP_PORT: String(smtp.port),
        SMTP_USERNAME: 'alerts',
        SMTP_PASSWORD,
        SMTP_TLS_REJECT_UNAUTHORIZED: 'false',
        ALERT_EMAILS: 'ops@example.com',
        SMTP_TIMEOUT_SECONDS: '3',
      });
      const { url } = server;
      const call = (path: string, init: RequestInit = {}) => fetch(`${url}${path}`, init).then(async (r) => ({ status: r.status, body: await r.text() }));
      const json = { 'content-type': 'application/json' };
      const op = { 'x-api-key': API_KEY };

      const created = await call('/api/projects', { method: 'POST', headers: { ...op, ...json }, body: JSON.stringify({ name: 'shop' }) });
      expect(created.status).toBe(201);
      const project = JSON.parse(created.body) as { id: number; ingest_key: string };

      const reportBody = JSON.stringify({
        project: 'shop',
        exception_type: 'LeakCheck',
        message: 'a report full of secrets',
        traceback: 'Error: x\n    at f (/srv/app/a.js:1:2)',
        request_url: `https://user:${SCRUBBED.urlPassword}@shop.example.com/pay?token=${SCRUBBED.urlToken}&step=2`,
        request_headers: { Cookie: `sid=${SCRUBBED.cookie}`, Authorization: `Bearer ${SCRUBBED.authorization}` },
        extra: { password: SCRUBBED.extraPassword, nested: { deeper: { access_token: SCRUBBED.nestedToken } } },
      });
      expect((await call('/api/errors', { method: 'POST', headers: { ...op, ...json }, body: reportBody })).status).toBe(201);
      expect((await call(`/api/errors?key=${project.ingest_key}`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: reportBody })).status).toBe(200);
      const event = JSON.stringify({
        exception: { values: [{ type: 'SentryLeakCheck', value: 'x' }] },
        extra: { client_secret: SCRUBBED.sentryExtra },
        request: { url: `https://x/?api_key=${SCRUBBED.urlToken}`, headers: { Cookie: SCRUBBED.sentryHeader } },
      });
      const sentryAuth = `Sentry sentry_key=${project.ingest_key}, sentry_version=7`;
      expect((await call(`/api/${project.id}/store/?sentry_key=${project.ingest_key}`, { method: 'POST', body: event })).status).toBe(200);
      expect((await call(`/api/${project.id}/store/`, { method: 'POST', headers: { 'x-sentry-auth': sentryAuth }, body: event })).status).toBe(200);
      expect((await call(`/api/${project.id}/store/`, { method: 'POST', headers: { authorization: sentryAuth }, body: event })).status).toBe(200);
      const envelope = `{"dsn":"http://${project.ingest_key}@127.0.0.1/${project.id}"}\n{"type":"event"}\n${event}\n`;
      expect((await call(`/api/${project.id}/envelope/`, { method: 'POST', body: envelope })).status).toBe(200);

      // Reads, failures and refusals: every path that writes a log line.
      expect((await call('/api/errors?search=LeakCheck', { headers: op })).status).toBe(200);
      expect((await call('/api/errors/1', { headers: op })).status).toBe(200);
      expect((await call(`/api/projects/shop`, { headers: op })).status).toBe(200);
      for (const key of WRONG_KEYS) {
        expect((await call('/api/errors', { headers: { 'x-api-key': key } })).status).toBe(401);
        expect((await call(`/api/errors?key=${key}`, { method: 'POST', headers: json, body: reportBody })).status).toBe(401);
        expect((await call(`/api/${project.id}/store/?sentry_key=${key}`, { method: 'POST', body: event })).status).toBe(401);
      }
      expect((await call(`/api/errors?key=${API_KEY}`)).status).toBe(401);
      expect((await call('/api/test-alert', { method: 'POST', headers: op })).status).toBe(202);

      // Wait for the alert traffic to finish: mails delivered, or the failures logged (the outbox logs a refused login as failed for good).
      const deadline = Date.now() + 15_000;
      const done = () => (smtpAuth === 'required' ? smtp!.mails.length >= 2 : (server!.stdout().match(/"level":"(?:warn|error)"[^\n]*"component":"alerts"[^\n]*failed/g) ?? []).length >= 2);
      while (!done() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      expect(done()).toBe(true);
      if (smtpAuth === 'required') expect(smtp.mails[0]!.user).toBe('alerts');

      server.child.kill('SIGTERM');
      await server.exited;
      const log = server.stdout() + server.stderr();
      expect(log).toContain('"event":"auth_failed"'); // the run did write security events
      const b64 = (s: string) => Buffer.from(s).toString('base64');
      const forbidden = [
        API_KEY,
        project.ingest_key,
        SMTP_PASSWORD,
        b64(SMTP_PASSWORD),
        b64(`\u0000alerts\u0000${SMTP_PASSWORD}`),
        ...WRONG_KEYS,
        ...Object.values(SCRUBBED),
      ];
      for (const secret of forbidden) expect(log, secret).not.toContain(secret);
    },
    40_000,
  );
});
