// The throttle alone, on a hand-moved clock: cooldown per fingerprint, the sliding hour, the digest's timing.
import { describe, expect, it } from 'vitest';
import { AlertThrottle, type ThrottledAlert } from '../../src/alerts/throttle.js';

const at = (min: number) => new Date(Date.parse('2026-03-01T12:00:00Z') + min * 60_000);
const alert = (fp: string, kind: 'new' | 'regression' = 'new'): ThrottledAlert => ({ kind, fingerprint: fp, groupId: 1, project: 'p', exceptionType: 'E', message: fp });

describe('AlertThrottle', () => {
  it('one alert per fingerprint per cooldown, regressions included', () => {
    const th = new AlertThrottle({ cooldownMs: 10 * 60_000, maxPerHour: 30 });
    expect(th.offer(alert('a'), at(0)).send).toBe(true);
    expect(th.offer(alert('a', 'regression'), at(9)).send).toBe(false);
    expect(th.offer(alert('b'), at(9)).send).toBe(true);
    expect(th.offer(alert('a', 'regression'), at(10)).send).toBe(true);
  });

  it('at most maxPerHour in any sliding hour', () => {
    const th = new AlertThrottle({ cooldownMs: 0, maxPerHour: 3 });
    const sent = [0, 10, 20, 30, 59, 60, 61].map((m, i) => th.offer(alert(`f${i}`), at(m)).send);
    expect(sent).toEqual([true, true, true, false, false, true, false]);
  });

  it('the digest waits for the budget and for the cooldown of what it holds', () => {
    const th = new AlertThrottle({ cooldownMs: 10 * 60_000, maxPerHour: 1 });
    th.offer(alert('a'), at(0));
    th.offer(alert('b'), at(1));
    expect(th.nextDigestAt(at(1))).toEqual(at(60));
    expect(th.takeDigest(at(59))).toBeNull();
    expect(th.takeDigest(at(60))).toMatchObject({ newCount: 1, regressionCount: 0 });
    expect(th.nextDigestAt(at(61))).toBeNull();

    const cd = new AlertThrottle({ cooldownMs: 10 * 60_000, maxPerHour: 30 });
    cd.offer(alert('a'), at(0));
    cd.offer(alert('a', 'regression'), at(2));
    expect(cd.nextDigestAt(at(2))).toEqual(at(10));
  });

  it('survives a snapshot round trip, and keeps at most 10 examples', () => {
    const th = new AlertThrottle({ cooldownMs: 60_000, maxPerHour: 1 });
    th.offer(alert('a'), at(0));
    for (let i = 0; i < 25; i++) th.offer(alert(`x${i}`), at(0.5));
    const again = new AlertThrottle({ cooldownMs: 60_000, maxPerHour: 1 }, JSON.parse(JSON.stringify(th.snapshot())));
    expect(again.offer(alert('z'), at(0.6)).send).toBe(false);
    const digest = again.takeDigest(at(61))!;
    expect(digest.newCount).toBe(26);
    expect(digest.samples).toHaveLength(10);
  });
});

describe('spike and impact alerts under the throttle', () => {
  it('each rule has its own cooldown per group; held ones are counted by kind and survive a snapshot', () => {
    const th = new AlertThrottle({ cooldownMs: 10 * 60_000, maxPerHour: 2 });
    expect(th.offer(alert('g'), at(0)).send).toBe(true);
    // The same group's spike is a signal of its own.
    expect(th.offer({ ...alert('g:spike'), kind: 'spike' }, at(1)).send).toBe(true);
    expect(th.offer({ ...alert('g:spike'), kind: 'spike' }, at(2)).send).toBe(false);
    expect(th.offer({ ...alert('h:impact'), kind: 'impact' }, at(3)).send).toBe(false);
    const again = new AlertThrottle({ cooldownMs: 10 * 60_000, maxPerHour: 30 }, JSON.parse(JSON.stringify(th.snapshot())));
    const sent = again.offer(alert('k'), at(4));
    expect(sent).toMatchObject({ send: true, held: { newCount: 0, regressionCount: 0, spikeCount: 1, impactCount: 1 } });
  });
});
