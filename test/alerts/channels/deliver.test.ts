// deliver: outbound only to the configured URL, redirects not followed, timeouts, a response size cap, 429/Retry-After and 5xx as retryable, the private-address option, no secret in any result.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { isPrivateAddress } from '../../../src/alerts/channels/address.js';
import { deliver, parseRetryAfter, redactUrl } from '../../../src/alerts/channels/deliver.js';
import type { OutboundRequest } from '../../../src/alerts/channels/types.js';
import { startReceiver, type Receiver } from './receiver.js';

const SECRET_PATH = '/services/T0001/B0002/s3cr3tXYZtoken';
const allow = { timeoutMs: 10_000, privateAddresses: 'allow' as const };
const post = (url: string, headers: Record<string, string> = {}): OutboundRequest => ({ url, method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: '{"text":"hi"}' });

let rx: Receiver;
beforeAll(async () => {
  rx = await startReceiver();
});
afterAll(() => rx.close());
afterEach(() => {
  rx.received.length = 0;
  rx.answer = (_r, res) => res.writeHead(200).end('ok');
});

describe('deliver', () => {
  it('posts the body and headers to the URL and reports success', async () => {
    const result = await deliver(post(`${rx.origin}${SECRET_PATH}`, { 'x-extra': '1' }), allow);
    expect(result).toEqual({ ok: true, status: 200, retryable: false });
    expect(rx.received).toHaveLength(1);
    expect(rx.received[0]!.url).toBe(SECRET_PATH);
    expect(rx.received[0]!.headers['x-extra']).toBe('1');
    expect(rx.received[0]!.text).toBe('{"text":"hi"}');
  });

  it('reads 500 as retryable, and keeps the URL secret out of the error even when the receiver echoes it', async () => {
    rx.answer = (r, res) => res.writeHead(500).end(`internal error at ${r.url} (token s3cr3tXYZtoken)`);
    const result = await deliver(post(`${rx.origin}${SECRET_PATH}`), allow);
    expect(result.ok).toBe(false);
    expect(result.status).toBe(500);
    expect(result.retryable).toBe(true);
    expect(result.error).toContain('HTTP 500');
    expect(result.error).toContain(`${rx.origin}/services/…`);
    expect(result.error).not.toContain('s3cr3tXYZtoken');
    expect(result.error).not.toContain('B0002');
  });

  it('keeps an Authorization token out of the error', async () => {
    rx.answer = (r, res) => res.writeHead(401).end(`bad token ${String(r.headers.authorization)}`);
    const result = await deliver(post(`${rx.origin}/topic`, { authorization: 'Bearer tk_verysecret123' }), allow);
    expect(result).toMatchObject({ ok: false, status: 401, retryable: false });
    expect(result.error).not.toContain('tk_verysecret123');
  });

  it('reads 429 as retryable after Retry-After seconds', async () => {
    rx.answer = (_r, res) => res.writeHead(429, { 'retry-after': '7' }).end('slow down');
    expect(await deliver(post(`${rx.origin}/h`), allow)).toMatchObject({ ok: false, status: 429, retryable: true, retryAfterMs: 7000 });
  });

  it("reads Discord's JSON retry_after when the header is absent", async () => {
    rx.answer = (_r, res) => res.writeHead(429, { 'content-type': 'application/json' }).end('{"message":"You are being rate limited.","retry_after":1.5,"global":false}');
    expect(await deliver(post(`${rx.origin}/h`), allow)).toMatchObject({ status: 429, retryable: true, retryAfterMs: 1500 });
  });

  it('reads 503 with Retry-After as an HTTP date, capped', async () => {
    rx.answer = (_r, res) => res.writeHead(503, { 'retry-after': new Date(Date.now() + 30 * 86_400_000).toUTCString() }).end();
    const result = await deliver(post(`${rx.origin}/h`), { ...allow, maxRetryAfterMs: 60_000 });
    expect(result).toMatchObject({ status: 503, retryable: true, retryAfterMs: 60_000 });
  });

  it('reads a 4xx other than 408 and 429 as final', async () => {
    rx.answer = (_r, res) => res.writeHead(404).end('no such webhook');
    expect(await deliver(post(`${rx.origin}/h`), allow)).toMatchObject({ ok: false, status: 404, retryable: false });
    rx.answer = (_r, res) => res.writeHead(408).end();
    expect(await deliver(post(`${rx.origin}/h`), allow)).toMatchObject({ ok: false, status: 408, retryable: true });
  });

  it('does not follow a redirect', async () => {
    const other = await startReceiver();
    try {
      rx.answer = (_r, res) => res.writeHead(302, { location: `${other.origin}/stolen` }).end();
      const result = await deliver(post(`${rx.origin}/h`), allow);
      expect(result).toMatchObject({ ok: false, status: 302, retryable: false });
      expect(result.error).toContain('redirect');
      expect(other.received).toHaveLength(0);
    } finally {
      await other.close();
    }
  });

  it('gives up on a receiver that never answers, as retryable', async () => {
    rx.answer = () => {}; // holds the request open
    const result = await deliver(post(`${rx.origin}/h`), { ...allow, timeoutMs: 300 });
    expect(result).toMatchObject({ ok: false, status: null, retryable: true });
    expect(result.error).toContain('no answer within 300 ms');
  });

  it('reads at most maxResponseBytes of the answer and hangs up on the rest', async () => {
    const total = 200 * 1024 * 1024;
    let written = 0;
    let closedEarly: Promise<boolean> = Promise.resolve(false);
    rx.answer = (_r, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      const chunk = Buffer.alloc(64 * 1024, 120);
      closedEarly = new Promise((resolve) => res.on('close', () => resolve(written < total)));
      const pump = () => {
        while (written < total && !res.destroyed) {
          written += chunk.length;
          if (!res.write(chunk)) return void res.once('drain', pump);
        }
        res.end();
      };
      pump();
    };
    const result = await deliver(post(`${rx.origin}/h`), { ...allow, maxResponseBytes: 1024 });
    expect(result).toEqual({ ok: true, status: 200, retryable: false });
    expect(await closedEarly).toBe(true);
  });

  it('reports a refused connection as retryable, naming only the redacted URL', async () => {
    const server: Server = createServer();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as AddressInfo).port;
    await new Promise<void>((r) => server.close(() => r()));
    const result = await deliver(post(`http://127.0.0.1:${port}${SECRET_PATH}`), allow);
    expect(result).toMatchObject({ ok: false, status: null, retryable: true });
    expect(result.error).toContain('ECONNREFUSED');
    expect(result.error).not.toContain('s3cr3tXYZtoken');
  });

  it('answers a request Node cannot build (a header beyond Latin-1) with a final result, not a throw', async () => {
    const result = await deliver(post(`${rx.origin}/h`, { 'x-title': 'price in €' }), allow);
    expect(result).toMatchObject({ ok: false, status: null, retryable: false });
    expect(rx.received).toHaveLength(0);
  });

  it('refuses a non-http URL', async () => {
    expect(await deliver(post('file:///etc/passwd'), allow)).toMatchObject({ ok: false, retryable: false });
  });
});

describe('the private-address option', () => {
  const deny = { ...allow, privateAddresses: 'deny' as const };

  it('deny refuses a private address literal without sending anything', async () => {
    const result = await deliver(post(`${rx.origin}/h`), deny);
    expect(result).toMatchObject({ ok: false, status: null, retryable: false });
    expect(result.error).toContain('private address');
    expect(rx.received).toHaveLength(0);
  });

  it('deny resolves a host name and refuses it when it resolves to a private address', async () => {
    const port = new URL(rx.origin).port;
    const result = await deliver(post(`http://localhost:${port}/h`), deny);
    expect(result).toMatchObject({ ok: false, retryable: false });
    expect(result.error).toContain('localhost resolves to a private address');
    expect(rx.received).toHaveLength(0);
  });

  it('allow (the default) delivers to a receiver on a private network', async () => {
    const port = new URL(rx.origin).port;
    expect(await deliver(post(`http://localhost:${port}/h`), allow)).toMatchObject({ ok: true });
    expect(rx.received).toHaveLength(1);
  });

  it.each([
    ['127.0.0.1', true],
    ['10.1.2.3', true],
    ['172.16.0.1', true],
    ['172.32.0.1', false],
    ['192.168.1.1', true],
    ['169.254.169.254', true],
    ['100.64.0.1', true],
    ['0.0.0.0', true],
    ['8.8.8.8', false],
    ['::1', true],
    ['fd00::1', true],
    ['fe80::1', true],
    ['::ffff:10.0.0.1', true],
    ['::ffff:8.8.8.8', false],
    ['2001:4860:4860::8888', false],
    ['not-an-address', true],
  ])('%s is private: %s', (address, expected) => {
    expect(isPrivateAddress(address)).toBe(expected);
  });
});

describe('redactUrl', () => {
  it.each([
    ['https://hooks.slack.com/services/T000/B000/XXXX', 'https://hooks.slack.com/services/…'],
    ['https://discord.com/api/webhooks/123/abcdef', 'https://discord.com/api/…'],
    ['https://ntfy.sh/my-secret-topic', 'https://ntfy.sh/…'],
    ['https://prod-01.westeurope.logic.azure.com:443/workflows/abc/triggers/manual/paths/invoke?sig=SECRET', 'https://prod-01.westeurope.logic.azure.com/workflows/…'],
    ['https://user:pass@chat.example.com/hooks/xyz', 'https://chat.example.com/hooks/…'],
    ['https://gotify.example.com', 'https://gotify.example.com'],
    ['https://gotify.example.com/?token=abc', 'https://gotify.example.com/…'],
    ['not a url', '(invalid URL)'],
  ])('%s -> %s', (url, shown) => {
    expect(redactUrl(url)).toBe(shown);
  });
});

describe('parseRetryAfter', () => {
  it('reads seconds, an HTTP date and a JSON retry_after', () => {
    const now = Date.parse('2026-03-01T12:00:00Z');
    expect(parseRetryAfter('120', '', now)).toBe(120_000);
    expect(parseRetryAfter('Sun, 01 Mar 2026 12:01:00 GMT', '', now)).toBe(60_000);
    expect(parseRetryAfter(undefined, '{"retry_after": 2.25}', now)).toBe(2250);
    expect(parseRetryAfter('soon', '', now)).toBeUndefined();
  });
});
