// Trend buckets: the hour keys of the window and counts laid into them.
import { describe, expect, it } from 'vitest';
import { buildTrends, trendHours } from '../../src/routes/trend.js';
import { hourKey } from '../../src/store/hour-key.js';

describe('trendHours', () => {
  it('lists 24 UTC hours ending with the current one', () => {
    const hours = trendHours(new Date('2026-01-01T00:59:59.999Z'));
    expect(hours).toHaveLength(24);
    expect(hours[0]).toBe('2025-12-31T01:00:00Z');
    expect(hours.at(-1)).toBe('2026-01-01T00:00:00Z');
    expect(hourKey('2026-01-01T00:59:59.999Z')).toBe('2026-01-01T00:00:00Z');
  });
});

describe('buildTrends', () => {
  it('puts each count in its hour, zero elsewhere, and ignores hours and ids outside the window', () => {
    const hours = trendHours(new Date('2026-01-01T10:00:00Z'));
    const trends = buildTrends(
      [1, 2],
      [
        { errorId: 1, hour: '2026-01-01T10:00:00Z', count: 7 },
        { errorId: 1, hour: '2025-12-31T11:00:00Z', count: 2 },
        { errorId: 1, hour: '2025-12-31T10:00:00Z', count: 9 },
        { errorId: 3, hour: '2026-01-01T10:00:00Z', count: 4 },
      ],
      hours,
    );
    expect(trends.get(1)).toEqual([2, ...Array(22).fill(0), 7]);
    expect(trends.get(2)).toEqual(Array(24).fill(0));
    expect(trends.has(3)).toBe(false);
  });
});
