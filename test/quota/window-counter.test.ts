// The in-memory quota windows (pure): fixed minute and hour windows, Retry-After to the window's end.
import { describe, expect, it } from 'vitest';
import { createMemoryQuotaCounter } from '../../src/quota/window-counter.js';
import { naturalCompare } from '../../src/natural-order.js';

const at = (iso: string) => Date.parse(iso);

describe('memory quota counter', () => {
  it('admits up to the minute quota, then refuses until the next minute, saying so once', () => {
    const c = createMemoryQuotaCounter();
    const limits = { perMinute: 3, perHour: 0 };
    for (let i = 0; i < 3; i++) expect(c.admit('a', limits, at('2026-01-01T10:00:10Z'))).toEqual({ ok: true });
    expect(c.admit('a', limits, at('2026-01-01T10:00:10Z'))).toEqual({ ok: false, retryAfterSeconds: 50, window: 'minute', first: true });
    expect(c.admit('a', limits, at('2026-01-01T10:00:59.500Z'))).toEqual({ ok: false, retryAfterSeconds: 1, window: 'minute', first: false });
    expect(c.admit('b', limits, at('2026-01-01T10:00:59Z'))).toEqual({ ok: true }); // per project
    expect(c.admit('a', limits, at('2026-01-01T10:01:00Z'))).toEqual({ ok: true });
  });

  it('the hour window wins when both are full, and a refusal counts nothing', () => {
    const c = createMemoryQuotaCounter();
    const limits = { perMinute: 2, perHour: 2 };
    c.admit('a', limits, at('2026-01-01T10:59:00Z'));
    c.admit('a', limits, at('2026-01-01T10:59:00Z'));
    expect(c.admit('a', limits, at('2026-01-01T10:59:30Z'))).toMatchObject({ ok: false, window: 'hour', retryAfterSeconds: 30 });
    for (let i = 0; i < 100; i++) c.admit('a', limits, at('2026-01-01T10:59:40Z'));
    expect(c.admit('a', limits, at('2026-01-01T11:00:00Z'))).toEqual({ ok: true });
  });

  it('0 is no limit', () => {
    const c = createMemoryQuotaCounter();
    for (let i = 0; i < 1000; i++) expect(c.admit('a', { perMinute: 0, perHour: 0 }, 0).ok).toBe(true);
  });
});

describe('naturalCompare', () => {
  it('orders runs of digits by value', () => {
    const names = ['svc-10', 'svc-2', 'svc-1', 'api', 'svc-02', 'svc-100', 'svc-9a', 'svc-9', 'Svc', 'x99999999999999999999999', 'x100000000000000000000000'];
    expect([...names].sort(naturalCompare)).toEqual(['Svc', 'api', 'svc-1', 'svc-02', 'svc-2', 'svc-9', 'svc-9a', 'svc-10', 'svc-100', 'x99999999999999999999999', 'x100000000000000000000000']);
  });

  it('is a total order (antisymmetric, equal only for equal text)', () => {
    const names = ['a1', 'a01', 'a001', 'a', 'a0', 'b', '1', '01', ''];
    for (const x of names) for (const y of names) expect(Math.sign(naturalCompare(x, y))).toBe(-Math.sign(naturalCompare(y, x)) || (x === y ? 0 : NaN));
  });
});
