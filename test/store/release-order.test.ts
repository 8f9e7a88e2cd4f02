// The release order behind resolve-in-release: semantic versions by precedence, anything else by creation time.
import { describe, expect, it } from 'vitest';
import { compareReleases } from '../../src/store/release-order.js';

const r = (version: string, createdAt: string) => ({ version, createdAt });
const T1 = '2026-01-01T00:00:00.000Z';
const T2 = '2026-01-02T00:00:00.000Z';

describe('compareReleases', () => {
  it.each([
    // [older, newer]: semantic versions by precedence, even when the older one was first seen later
    [r('1.2.0', T2), r('1.10.0', T1)],
    [r('v1.0.0', T2), r('1.0.1', T1)],
    [r('shop@2.0.0-rc.1', T2), r('shop@2.0.0', T1)],
    [r('2.0.0-alpha', T2), r('2.0.0-alpha.1', T1)],
    [r('2.0.0-alpha.2', T2), r('2.0.0-alpha.10', T1)],
    [r('2.0.0-alpha.9', T2), r('2.0.0-beta', T1)],
    // anything else (or versions of two packages) by creation time, then natural order
    [r('green', T1), r('blue', T2)],
    [r('shop@9.0.0', T1), r('api@1.0.0', T2)],
    [r('abc1234', T1), r('1.0.0', T2)],
    [r('build-9', T1), r('build-10', T1)],
  ])('%o is older than %o', (older, newer) => {
    expect(compareReleases(older, newer)).toBeLessThan(0);
    expect(compareReleases(newer, older)).toBeGreaterThan(0);
  });

  it('is zero for the same version', () => {
    expect(compareReleases(r('1.0.0', T1), r('1.0.0', T2))).toBe(0);
  });
});
