// Short-lived stream tokens: an EventSource cannot send headers, so the page trades its operator key for one of these.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * `st1.<expiry, unix seconds>.<nonce>.<HMAC-SHA256>`, signed with a key derived from the operator key:
 * nothing is stored, every instance sharing the key accepts it, and a new operator key voids them all.
 * The `st1` domain in the signature scopes it to opening a stream (reading); no other route knows it.
 */
const PREFIX = 'st1';
const TOKEN = /^st1\.(\d{1,12})\.([A-Za-z0-9_-]{16})\.([A-Za-z0-9_-]{43})$/;

export type TokenCheck = { ok: true } | { ok: false; why: 'missing' | 'malformed' | 'expired' | 'bad signature' };

export interface StreamTokens {
  issue(): { token: string; expiresAt: Date };
  check(token: unknown): TokenCheck;
}

export function createStreamTokens(operatorKey: string, ttlSeconds: number, now: () => Date): StreamTokens {
  const key = createHmac('sha256', operatorKey).update('error-tracker stream token v1').digest();
  const sign = (payload: string) => createHmac('sha256', key).update(payload).digest('base64url');
  return {
    issue() {
      const expiresAt = new Date(Math.floor(now().getTime() / 1000) * 1000 + ttlSeconds * 1000);
      const payload = `${PREFIX}.${expiresAt.getTime() / 1000}.${randomBytes(12).toString('base64url')}`;
      return { token: `${payload}.${sign(payload)}`, expiresAt };
    },
    check(token) {
      if (typeof token !== 'string' || token === '') return { ok: false, why: 'missing' };
      const m = TOKEN.exec(token);
      if (!m) return { ok: false, why: 'malformed' };
      const payload = token.slice(0, token.lastIndexOf('.'));
      if (!timingSafeEqual(Buffer.from(sign(payload)), Buffer.from(m[3]!))) return { ok: false, why: 'bad signature' };
      if (Number(m[1]) * 1000 <= now().getTime()) return { ok: false, why: 'expired' };
      return { ok: true };
    },
  };
}
