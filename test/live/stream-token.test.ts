// Stream tokens: accepted until they expire, refused when altered, signed by another operator key, or malformed.
import { describe, expect, it } from 'vitest';
import { createStreamTokens } from '../../src/live/stream-token.js';

describe('stream tokens', () => {
  const clock = { now: new Date('2026-03-01T12:00:00.000Z') };
  const tokens = createStreamTokens('operator-key-0123456789', 60, () => clock.now);

  it('is accepted until its expiry, then refused as expired', () => {
    const { token, expiresAt } = tokens.issue();
    expect(expiresAt.toISOString()).toBe('2026-03-01T12:01:00.000Z');
    expect(tokens.check(token)).toEqual({ ok: true });
    clock.now = new Date('2026-03-01T12:00:59.000Z');
    expect(tokens.check(token)).toEqual({ ok: true });
    clock.now = new Date('2026-03-01T12:01:00.000Z');
    expect(tokens.check(token)).toEqual({ ok: false, why: 'expired' });
    clock.now = new Date('2026-03-01T12:00:00.000Z');
  });

  it('refuses a token with a changed expiry, one signed with another key, and malformed ones', () => {
    const { token } = tokens.issue();
    const later = token.replace(/^st1\.(\d+)/, (_m, s: string) => `st1.${Number(s) + 3600}`);
    expect(tokens.check(later)).toEqual({ ok: false, why: 'bad signature' });
    const other = createStreamTokens('another-operator-key-987', 60, () => clock.now).issue().token;
    expect(tokens.check(other)).toEqual({ ok: false, why: 'bad signature' });
    expect(tokens.check(undefined)).toEqual({ ok: false, why: 'missing' });
    for (const bad of ['x', `${token}x`, token.replace('st1', 'st2'), 'operator-key-0123456789']) expect(tokens.check(bad)).toEqual({ ok: false, why: 'malformed' });
  });

  it('never contains the operator key', () => {
    expect(tokens.issue().token).not.toContain('operator-key');
  });
});
