// Real servers for the alert tests: an SMTP server (smtp-server) in each mode, a silent one, a Gotify stand-in, certificates.
import { createServer as createHttpServer, type IncomingMessage } from 'node:http';
import { createServer as createNetServer, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { generate } from 'selfsigned';
import { SMTPServer } from 'smtp-server';

export interface TestCert {
  key: string;
  cert: string;
}

/** A self-signed certificate for 127.0.0.1 and localhost, made fresh for the run. */
export async function makeCert(): Promise<TestCert> {
  const pems = await generate([{ name: 'commonName', value: '127.0.0.1' }], {
    keySize: 2048,
    extensions: [
      { name: 'basicConstraints', cA: true },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, keyCertSign: true },
      { name: 'extKeyUsage', serverAuth: true },
      { name: 'subjectAltName', altNames: [{ type: 7, ip: '127.0.0.1' }, { type: 2, value: 'localhost' }] },
    ],
  });
  return { key: pems.private, cert: pems.cert };
}

export interface ReceivedMail {
  raw: string;
  subject: string;
  /** The text/plain part, decoded. */
  text: string;
  html: string;
  to: string[];
  from: string;
  secure: boolean;
  user: string | undefined;
}

export interface SmtpFixture {
  port: number;
  mails: ReceivedMail[];
  /** Resolves when `n` mails have arrived (rejects after `ms`). */
  waitFor(n: number, ms?: number): Promise<ReceivedMail[]>;
  authAttempts: number;
  close(): Promise<void>;
}

export interface SmtpOptions {
  /** implicit: TLS from the first byte; starttls: plain, offers STARTTLS; plain: no TLS at all. */
  mode: 'implicit' | 'starttls' | 'plain';
  cert?: TestCert;
  /** none: no AUTH offered or needed; required: user/pass must match; refuse: every login fails. */
  auth?: 'none' | 'required' | 'refuse';
  user?: string;
  pass?: string;
  port?: number;
}

export async function startSmtp(opts: SmtpOptions): Promise<SmtpFixture> {
  const auth = opts.auth ?? 'none';
  const mails: ReceivedMail[] = [];
  const waiters: (() => void)[] = [];
  const fixture = { authAttempts: 0 } as SmtpFixture;
  const disabled: string[] = [];
  if (opts.mode === 'plain') disabled.push('STARTTLS');
  if (auth === 'none') disabled.push('AUTH');
  const server = new SMTPServer({
    secure: opts.mode === 'implicit',
    ...(opts.cert ? { key: opts.cert.key, cert: opts.cert.cert } : {}),
    disabledCommands: disabled,
    authOptional: auth === 'none',
    allowInsecureAuth: true,
    logger: false,
    onAuth(a, _session, cb) {
      fixture.authAttempts++;
      if (auth === 'required' && a.username === opts.user && a.password === opts.pass) return cb(null, { user: a.username });
      const err = Object.assign(new Error('Invalid username or password'), { responseCode: 535 });
      cb(err);
    },
    onData(stream, session, cb) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        mails.push({
          raw,
          ...parseMail(raw),
          to: session.envelope.rcptTo.map((r) => r.address),
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          secure: session.secure,
          user: typeof session.user === 'string' ? session.user : undefined,
        });
        for (const w of waiters.splice(0)) w();
        cb();
      });
    },
  });
  server.on('error', () => {});
  const port = await listenWithRetry((p, done) => server.listen(p, '127.0.0.1', done), opts.port ?? 0, server.server);
  Object.assign(fixture, {
    port,
    mails,
    async waitFor(n: number, ms = 10_000) {
      const deadline = Date.now() + ms;
      while (mails.length < n) {
        if (Date.now() > deadline) throw new Error(`expected ${n} mails, got ${mails.length}`);
        await new Promise<void>((r) => {
          waiters.push(r);
          setTimeout(r, 50);
        });
      }
      return mails;
    },
    close: () => new Promise<void>((r) => server.close(() => r())),
  });
  return fixture;
}

/** Port 465 may be taken for a moment by another test run on this machine: wait for it rather than fail. */
async function listenWithRetry(listen: (port: number, done: () => void) => void, port: number, server: import('node:net').Server): Promise<number> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    try {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        listen(port, () => {
          server.removeListener('error', reject);
          resolve();
        });
      });
      return (server.address() as AddressInfo).port;
    } catch (err) {
      if ((err as { code?: string }).code !== 'EADDRINUSE' || Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

/** Accepts connections and never says a word. */
export async function startSilentServer(): Promise<{ port: number; connections: () => number; close: () => Promise<void> }> {
  const sockets = new Set<Socket>();
  let count = 0;
  const server = createNetServer((s) => {
    count++;
    sockets.add(s);
    s.on('error', () => {});
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as AddressInfo).port,
    connections: () => count,
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}

export interface PushRequest {
  method: string;
  url: string;
  body: { title: string; message: string; priority: number; extras?: unknown };
}

/** Stands in for Gotify: records every request and answers like its message API. */
export async function startGotify(status = 200): Promise<{ url: string; requests: PushRequest[]; waitFor(n: number): Promise<PushRequest[]>; close(): Promise<void> }> {
  const requests: PushRequest[] = [];
  const server = createHttpServer((req: IncomingMessage, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      requests.push({ method: req.method ?? '', url: req.url ?? '', body: JSON.parse(body || '{}') });
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(status === 200 ? JSON.stringify({ id: requests.length }) : JSON.stringify({ error: 'Unauthorized', errorCode: status }));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    async waitFor(n) {
      const deadline = Date.now() + 10_000;
      while (requests.length < n) {
        if (Date.now() > deadline) throw new Error(`expected ${n} push requests, got ${requests.length}`);
        await new Promise((r) => setTimeout(r, 20));
      }
      return requests;
    },
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

/** Headers unfolded and encoded words decoded; the text and HTML parts decoded from quoted-printable or base64. */
export function parseMail(raw: string): { subject: string; text: string; html: string } {
  const headerEnd = raw.indexOf('\r\n\r\n');
  const headers = raw.slice(0, headerEnd).replace(/\r\n[ \t]+/g, ' ');
  const subjectLine = /^Subject: (.*)$/im.exec(headers)?.[1] ?? '';
  return { subject: decodeWords(subjectLine), text: part(raw, 'text/plain'), html: part(raw, 'text/html') };
}

function decodeWords(s: string): string {
  return s
    .replace(/\?=\s+=\?/g, '?==?')
    .replace(/=\?([^?]+)\?([QqBb])\?([^?]*)\?=/g, (_m, _cs, enc: string, data: string) =>
      enc.toUpperCase() === 'B' ? Buffer.from(data, 'base64').toString('utf8') : decodeQp(data.replace(/_/g, ' ')),
    );
}

function part(raw: string, type: string): string {
  const re = new RegExp(`Content-Type: ${type}[^\\r]*\\r\\n((?:[^\\r]+\\r\\n)*)\\r\\n([\\s\\S]*?)(?:\\r\\n--|$)`, 'i');
  const m = re.exec(raw);
  if (!m) return '';
  const enc = /Content-Transfer-Encoding: (\S+)/i.exec(m[1]!)?.[1]?.toLowerCase();
  if (enc === 'base64') return Buffer.from(m[2]!.replace(/\s+/g, ''), 'base64').toString('utf8');
  if (enc === 'quoted-printable') return decodeQp(m[2]!.replace(/=\r\n/g, ''));
  return m[2]!;
}

function decodeQp(s: string): string {
  const bytes: number[] = [];
  for (let i = 0; i < s.length; i++) {
    if (s[i] === '=' && /^[0-9A-F]{2}$/i.test(s.slice(i + 1, i + 3))) {
      bytes.push(parseInt(s.slice(i + 1, i + 3), 16));
      i += 2;
    } else bytes.push(...Buffer.from(s[i]!, 'utf8'));
  }
  return Buffer.from(bytes).toString('utf8');
}
