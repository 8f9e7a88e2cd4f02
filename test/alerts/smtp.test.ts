// The email transport against a real SMTP server in each mode: TLS on 465, STARTTLS, plain; auth; failures by phase.
import { Writable } from 'node:stream';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createEmailChannel, modeForPort, sendMail, SmtpSendError, type SmtpSettings } from '../../src/alerts/smtp.js';
import { createLogger } from '../../src/logger.js';
import { makeCert, startSilentServer, startSmtp, type SmtpFixture, type TestCert } from './fixtures.js';

const PASSWORD = 'sm7p-pa55word-never-logged';
const message = { subject: 'hello', text: 'body text', html: '<p>body</p>' };
let cert: TestCert;
let server: SmtpFixture | undefined;

beforeAll(async () => {
  cert = await makeCert();
});
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const settings = (over: Partial<SmtpSettings>): SmtpSettings => ({
  host: '127.0.0.1',
  port: 0,
  from: 'Errors <errors@example.com>',
  timeoutMs: 3000,
  // The test certificate is self-signed; verification itself is covered below and in server-alerts.test.ts.
  rejectUnauthorized: false,
  ...over,
});

function capture() {
  const lines: string[] = [];
  const logger = createLogger('debug', new Writable({ write: (c, _e, cb) => (lines.push(String(c)), cb()) }));
  return { logger, text: () => lines.join(''), records: () => lines.map((l) => JSON.parse(l) as Record<string, unknown>) };
}

async function failure(p: Promise<unknown>): Promise<SmtpSendError> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(SmtpSendError);
  return err as SmtpSendError;
}

describe('mode by port', () => {
  it('465 is implicit TLS; 587, 25 and others start plain and upgrade when offered', () => {
    expect(modeForPort(465)).toBe('implicit TLS');
    expect(modeForPort(587)).toBe('STARTTLS');
    expect(modeForPort(25)).toBe('STARTTLS');
    expect(modeForPort(2525)).toBe('STARTTLS');
  });
});

describe('delivery in each mode, with and without auth', () => {
  it('port 465: TLS from the first byte, without auth', async () => {
    server = await startSmtp({ mode: 'implicit', cert, port: 465 });
    const sent = await sendMail(settings({ port: 465 }), ['ops@example.com'], message);
    expect(sent.mode).toBe('implicit TLS');
    const [mail] = await server.waitFor(1);
    expect(mail).toMatchObject({ secure: true, subject: 'hello', to: ['ops@example.com'], from: 'errors@example.com', user: undefined });
  });

  it('port 465: TLS, with auth', async () => {
    server = await startSmtp({ mode: 'implicit', cert, port: 465, auth: 'required', user: 'alerts', pass: PASSWORD });
    const sent = await sendMail(settings({ port: 465, username: 'alerts', password: PASSWORD }), ['ops@example.com'], message);
    expect(sent.mode).toBe('implicit TLS');
    expect((await server.waitFor(1))[0]).toMatchObject({ secure: true, user: 'alerts' });
  });

  it('STARTTLS when offered, without and with auth', async () => {
    server = await startSmtp({ mode: 'starttls', cert, auth: 'required', user: 'alerts', pass: PASSWORD });
    const sent = await sendMail(settings({ port: server.port, username: 'alerts', password: PASSWORD }), ['ops@example.com'], message);
    expect(sent.mode).toBe('STARTTLS');
    expect((await server.waitFor(1))[0]).toMatchObject({ secure: true, user: 'alerts' });
    await server.close();
    server = await startSmtp({ mode: 'starttls', cert });
    expect((await sendMail(settings({ port: server.port }), ['ops@example.com'], message)).mode).toBe('STARTTLS');
    expect((await server.waitFor(1))[0]).toMatchObject({ secure: true, user: undefined });
  });

  it('stays plain when the server offers no STARTTLS, without and with auth', async () => {
    server = await startSmtp({ mode: 'plain' });
    expect((await sendMail(settings({ port: server.port }), ['a@example.com', 'b@localhost'], message)).mode).toBe('plain');
    expect((await server.waitFor(1))[0]).toMatchObject({ secure: false, to: ['a@example.com', 'b@localhost'] });
    await server.close();
    server = await startSmtp({ mode: 'plain', auth: 'required', user: 'alerts', pass: PASSWORD });
    expect((await sendMail(settings({ port: server.port, username: 'alerts', password: PASSWORD }), ['a@example.com'], message)).mode).toBe('plain');
    expect((await server.waitFor(1))[0]).toMatchObject({ secure: false, user: 'alerts' });
  });
});

describe('failures, named by phase', () => {
  it('a server that refuses the login fails at auth, and the log names it without the password', async () => {
    server = await startSmtp({ mode: 'starttls', cert, auth: 'refuse' });
    const log = capture();
    const channel = createEmailChannel(settings({ port: server.port, username: 'alerts', password: PASSWORD }), ['ops@example.com'], log.logger);
    await channel.deliver({ ...message, title: '', pushText: '', priority: 8, link: null });
    expect(server.authAttempts).toBe(1);
    expect(server.mails).toHaveLength(0);
    const [rec] = log.records();
    expect(rec).toMatchObject({ level: 'warn', host: '127.0.0.1', port: server.port, mode: 'STARTTLS', phase: 'auth', code: 'EAUTH' });
    expect(rec!.bytes).toBeGreaterThan(100);
    expect(String(rec!.msg)).toContain(`127.0.0.1:${server.port}`);
    expect(String(rec!.msg)).toContain('535');
    expect(log.text()).not.toContain(PASSWORD);
  });

  it('a server that accepts and never answers fails at greeting within the timeout', async () => {
    const silent = await startSilentServer();
    try {
      // No clock: the error says the 500 ms timeout fired; a hang would be the test's timeout.
      const err = await failure(sendMail(settings({ port: silent.port, timeoutMs: 500 }), ['ops@example.com'], message));
      expect(err).toMatchObject({ phase: 'greeting', mode: 'plain', code: 'ETIMEDOUT' });
      // Greeting and socket timeouts are both SMTP_TIMEOUT_SECONDS; whichever fires first, it is a timeout.
      expect(err.underlying).toMatch(/^(GREETING|SOCKET)_TIMEOUT$/);
      expect(silent.connections()).toBe(1);
    } finally {
      await silent.close();
    }
  });

  it('nothing listening fails at connect with ECONNREFUSED', async () => {
    const silent = await startSilentServer();
    const port = silent.port;
    await silent.close();
    const err = await failure(sendMail(settings({ port }), ['ops@example.com'], message));
    expect(err).toMatchObject({ phase: 'connect', code: 'ESOCKET', underlying: 'ECONNREFUSED' });
  });

  it('TLS spoken to a plain server (port 465 set, server plain) fails at tls, told apart from a timeout', async () => {
    server = await startSmtp({ mode: 'plain', port: 465 });
    const log = capture();
    const channel = createEmailChannel(settings({ port: 465 }), ['ops@example.com'], log.logger);
    await channel.deliver({ ...message, title: '', pushText: '', priority: 8, link: null });
    const [rec] = log.records();
    expect(rec).toMatchObject({ mode: 'implicit TLS', phase: 'tls', port: 465 });
    expect(String(rec!.underlying)).toMatch(/SSL|TLS|WRONG_VERSION|ECONNRESET/i);
    expect(rec!.hint).toBeDefined();
  });

  it('plain spoken to a TLS server (port not 465) waits for a greeting that never comes', async () => {
    server = await startSmtp({ mode: 'implicit', cert });
    const err = await failure(sendMail(settings({ port: server.port, timeoutMs: 500 }), ['ops@example.com'], message));
    expect(err).toMatchObject({ phase: 'greeting', mode: 'plain', code: 'ETIMEDOUT' });
  });

  it('verifies certificates by default: a self-signed server fails at tls', async () => {
    server = await startSmtp({ mode: 'starttls', cert });
    const err = await failure(sendMail(settings({ port: server.port, rejectUnauthorized: true }), ['ops@example.com'], message));
    expect(err).toMatchObject({ phase: 'tls', mode: 'STARTTLS' });
    expect(`${err.underlying} ${err.message}`).toMatch(/self[- ]signed|SELF_SIGNED|unable to verify/i);
    expect(server.mails).toHaveLength(0);
  });
});
