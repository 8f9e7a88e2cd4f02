// The one HTTP delivery of every chat and webhook channel: only to the configured URL, bounded in time and size, 429 and 5xx read as retryable.
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP, type LookupFunction } from 'node:net';
import { oneLine } from '../untrusted-text.js';
import { isPrivateAddress } from './address.js';
import type { DeliveryResult, OutboundRequest } from './types.js';

export interface DeliverOptions {
  /** The whole exchange: connect, send, status and the (capped) answer. */
  timeoutMs: number;
  /** Bytes of the answer read at most; the rest is not waited for. */
  maxResponseBytes?: number;
  /** 'deny' refuses loopback, private, link-local and other non-public addresses, after resolving the host. */
  privateAddresses: 'allow' | 'deny';
  /** A 429's or 503's Retry-After is capped here, so a receiver cannot park the outbox for a week. */
  maxRetryAfterMs?: number;
}

export const DEFAULT_MAX_RESPONSE_BYTES = 64 * 1024;
const DEFAULT_MAX_RETRY_AFTER_MS = 3_600_000;

/**
 * `scheme://host[:port]/first-segment/…`: enough to tell channels apart in logs and replies, none of
 * the secret that webhook URLs carry in their path and query. A URL of one segment (an ntfy topic,
 * itself the password) shows none of it. User info is always dropped.
 */
export function redactUrl(url: string): string {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return '(invalid URL)';
  }
  const segments = u.pathname.split('/').filter(Boolean);
  const rest = segments.length > 1 || u.search || u.hash;
  const first = segments.length > 1 ? `/${segments[0]}` : '';
  return `${u.protocol}//${u.host}${first}${rest || segments.length === 1 ? '/…' : ''}`;
}

/** Every part of the URL that could be secret, to be cut out of anything the receiver says back. */
function secretsOf(url: URL, headers: Record<string, string>): string[] {
  const parts = [url.pathname, url.search, url.username, url.password, ...url.pathname.split('/'), ...[...url.searchParams.values()]];
  for (const [k, v] of Object.entries(headers)) if (/authorization|key|token|signature/i.test(k)) parts.push(v, v.replace(/^\S+\s+/, ''));
  return parts.filter((p) => p.length >= 6).sort((a, b) => b.length - a.length);
}

function hide(text: string, secrets: string[]): string {
  let out = text;
  for (const s of secrets) out = out.split(s).join('[redacted]');
  return out;
}

/** Retry-After in milliseconds: delta seconds or an HTTP date (RFC 9110 §10.2.3); Discord's JSON `retry_after` (seconds) too. */
export function parseRetryAfter(header: string | undefined, body: string, now = Date.now()): number | undefined {
  if (header !== undefined) {
    const h = header.trim();
    if (/^\d+(\.\d+)?$/.test(h)) return Math.round(Number(h) * 1000);
    const at = Date.parse(h);
    if (!Number.isNaN(at)) return Math.max(0, at - now);
  }
  const m = /"retry_after"\s*:\s*(\d+(?:\.\d+)?)/.exec(body);
  return m ? Math.round(Number(m[1]) * 1000) : undefined;
}

class Refused extends Error {}

/** A lookup that resolves the host and refuses a private address, so the address checked is the address connected to. */
function guardedLookup(policy: 'allow' | 'deny'): LookupFunction {
  return (hostname, options, callback) => {
    dnsLookup(hostname, { ...options, all: true }, (err, addresses: LookupAddress[]) => {
      if (err) return callback(err, '', 0);
      const usable = policy === 'deny' ? addresses.filter((a) => !isPrivateAddress(a.address)) : addresses;
      if (usable.length === 0) return callback(new Refused(`${hostname} resolves to a private address (ALERT_WEBHOOK_PRIVATE_ADDRESSES=deny)`), '', 0);
      if (options.all) return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, usable);
      callback(null, usable[0]!.address, usable[0]!.family);
    });
  };
}

/** Sends one request; never throws: every outcome is a DeliveryResult whose `error` holds no secret. */
export async function deliver(req: OutboundRequest, options: DeliverOptions): Promise<DeliveryResult> {
  const maxBytes = options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
  let url: URL;
  try {
    url = new URL(req.url);
  } catch {
    return { ok: false, status: null, retryable: false, error: 'the channel URL is not valid' };
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return { ok: false, status: null, retryable: false, error: `only http and https URLs are delivered to (${url.protocol})` };
  const where = redactUrl(req.url);
  const secrets = secretsOf(url, req.headers);
  const literal = url.hostname.replace(/^\[|\]$/g, '');
  if (options.privateAddresses === 'deny' && isIP(literal) && isPrivateAddress(literal)) {
    return { ok: false, status: null, retryable: false, error: `${where}: a private address (ALERT_WEBHOOK_PRIVATE_ADDRESSES=deny)` };
  }

  const body = Buffer.from(req.body, 'utf8');
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise<DeliveryResult>((resolve) => {
    let settled = false;
    const finish = (r: DeliveryResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(r.error === undefined ? r : { ...r, error: oneLine(r.error, 300) });
    };
    let request: ReturnType<typeof send>;
    try {
      request = send(url, {
        method: req.method,
        headers: { ...req.headers, 'content-length': String(body.length) },
        lookup: guardedLookup(options.privateAddresses),
        // One exchange per delivery: no pooled socket outlives it.
        agent: false,
      });
    } catch (err) {
      // A header Node refuses (a character outside Latin-1): final, the same request would fail again.
      return resolve({ ok: false, status: null, retryable: false, error: `${where}: ${(err as Error & { code?: string }).code ?? 'ERR'} the request could not be built` });
    }
    const timer = setTimeout(() => {
      request.destroy();
      finish({ ok: false, status: null, retryable: true, error: `${where}: no answer within ${options.timeoutMs} ms` });
    }, options.timeoutMs);
    timer.unref();
    request.on('error', (err: Error & { code?: string }) => {
      if (err instanceof Refused) return finish({ ok: false, status: null, retryable: false, error: `${where}: ${err.message}` });
      finish({ ok: false, status: null, retryable: true, error: `${where}: ${err.code ?? err.name} ${hide(err.message, secrets)}` });
    });
    request.on('response', (res: IncomingMessage) => {
      const chunks: Buffer[] = [];
      let size = 0;
      // What the receiver says may echo the URL or a token: cut out before it goes anywhere.
      const done = () => finish(resultOf(res, hide(Buffer.concat(chunks).toString('utf8'), secrets), where, options));
      res.on('data', (chunk: Buffer) => {
        if (size >= maxBytes) return;
        chunks.push(chunk.subarray(0, maxBytes - size));
        size += chunk.length;
        // Enough read: the status is known, the rest is not worth waiting for.
        if (size >= maxBytes) {
          done();
          res.destroy();
        }
      });
      res.on('end', done);
      res.on('error', done);
      res.on('aborted', done);
    });
    request.end(body);
  });
}

function resultOf(res: IncomingMessage, text: string, where: string, options: DeliverOptions): DeliveryResult {
  const status = res.statusCode ?? 0;
  if (status >= 200 && status < 300) return { ok: true, status, retryable: false };
  const answer = text.trim() ? `: ${oneLine(text, 200)}` : '';
  if (status >= 300 && status < 400) {
    // Following it would send the alert (and its headers) somewhere nobody configured.
    return { ok: false, status, retryable: false, error: `${where}: HTTP ${status}, a redirect (not followed; configure the final URL)` };
  }
  const retryable = status === 429 || status === 408 || status >= 500;
  const result: DeliveryResult = { ok: false, status, retryable, error: `${where}: HTTP ${status}${answer}` };
  if (status === 429 || status === 503) {
    const header = res.headers['retry-after'];
    const after = parseRetryAfter(Array.isArray(header) ? header[0] : header, text);
    if (after !== undefined) result.retryAfterMs = Math.min(after, options.maxRetryAfterMs ?? DEFAULT_MAX_RETRY_AFTER_MS);
  }
  return result;
}
