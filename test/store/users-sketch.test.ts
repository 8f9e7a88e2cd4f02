// Distinct users: exact below the cap, within the stated error far above it, the 24-hour window, and a stable stored form.
import { describe, expect, it } from 'vitest';
import { hashUser, USERS_EXACT_CAP, USERS_STANDARD_ERROR, UsersSketch } from '../../src/store/users-sketch.js';

const HOUR = 500_000;
function fill(n: number, hour = HOUR, prefix = 'id:user-'): UsersSketch {
  const s = new UsersSketch();
  for (let i = 0; i < n; i++) s.add(hashUser(`${prefix}${i}`), hour);
  return s;
}

describe('UsersSketch', () => {
  it('counts exactly up to the cap, repeats included', () => {
    for (const n of [0, 1, 17, USERS_EXACT_CAP]) {
      const s = fill(n);
      for (let i = 0; i < n; i++) expect(s.add(hashUser(`id:user-${i}`), HOUR)).toBe(false);
      expect(s.isExact).toBe(true);
      expect(s.count()).toBe(n);
    }
  });

  it('estimates within 3 standard errors far above the cap (the README states 1.6%)', () => {
    expect(USERS_STANDARD_ERROR).toBeCloseTo(0.01625, 4);
    for (const n of [USERS_EXACT_CAP + 1, 5_000, 50_000, 200_000]) {
      const s = fill(n);
      expect(s.isExact).toBe(false);
      expect(Math.abs(s.count() - n) / n).toBeLessThan(3 * USERS_STANDARD_ERROR);
    }
  });

  it('keeps what it knew when it leaves the exact mode, and survives being stored', () => {
    const s = fill(USERS_EXACT_CAP);
    const again = UsersSketch.deserialize(s.serialize());
    expect(again.count()).toBe(USERS_EXACT_CAP);
    for (let i = 0; i < 20_000; i++) again.add(hashUser(`id:user-${i}`), HOUR);
    const stored = UsersSketch.deserialize(again.serialize());
    expect(stored.count()).toBe(again.count());
    expect(Math.abs(stored.count() - 20_000) / 20_000).toBeLessThan(3 * USERS_STANDARD_ERROR);
  });

  it('counts the users of the last 24 hours of arrival, exact and estimated', () => {
    const small = fill(10, HOUR - 30);
    for (let i = 0; i < 4; i++) small.add(hashUser(`id:user-${i}`), HOUR);
    expect(small.countRecent(HOUR)).toBe(4);
    expect(small.countRecent(HOUR + 23)).toBe(4);
    expect(small.countRecent(HOUR + 24)).toBe(0);
    expect(small.count()).toBe(10);

    const big = fill(30_000, HOUR - 48, 'id:old-');
    for (let i = 0; i < 3_000; i++) big.add(hashUser(`id:new-${i}`), HOUR);
    const restored = UsersSketch.deserialize(big.serialize());
    expect(Math.abs(restored.countRecent(HOUR) - 3_000) / 3_000).toBeLessThan(3 * USERS_STANDARD_ERROR);
    expect(Math.abs(restored.count() - 33_000) / 33_000).toBeLessThan(3 * USERS_STANDARD_ERROR);
  });

  it('covers a user already held at that hour or later, in both modes, and the copies that grew from it', () => {
    const s = fill(10);
    expect(s.covers(hashUser('id:user-3'), HOUR)).toBe(true);
    expect(s.covers(hashUser('id:user-3'), HOUR + 1)).toBe(false);
    expect(s.covers(hashUser('id:user-99'), HOUR)).toBe(false);
    const grown = UsersSketch.deserialize(s.serialize());
    for (let i = 0; i < 5_000; i++) grown.add(hashUser(`id:other-${i}`), HOUR);
    expect(grown.isExact).toBe(false);
    // What the exact copy covered, the grown one covers: adding it changes nothing there.
    for (let i = 0; i < 10; i++) {
      const h = hashUser(`id:user-${i}`);
      expect(grown.covers(h, HOUR)).toBe(true);
      expect(grown.add(h, HOUR)).toBe(false);
    }
    expect(grown.covers(hashUser('id:user-3'), HOUR + 1)).toBe(false);
  });
});
