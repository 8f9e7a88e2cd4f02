// The resume ring: what a Last-Event-ID is owed, and when it is too old (or foreign) and the client must reload.
import { describe, expect, it } from 'vitest';
import { createRing } from '../../src/live/ring.js';

const frames = (ring: ReturnType<typeof createRing>, n: number, size = 10) => {
  for (let i = 0; i < n; i++) ring.push((id) => Buffer.from(id.padEnd(size, '.')));
};

describe('ring', () => {
  it('replays the messages after the given id, and nothing when it is the newest', () => {
    const ring = createRing({ maxMessages: 10, maxBytes: 1e6 }, 'abc1');
    const start = ring.currentId();
    expect(start).toBe('abc1-0');
    frames(ring, 3);
    const r = ring.resume(start);
    expect(r.kind === 'replay' && r.messages.map((m) => m.seq)).toEqual([1, 2, 3]);
    const mid = ring.resume('abc1-2');
    expect(mid.kind === 'replay' && mid.messages.map((m) => m.frame.toString().slice(0, 6))).toEqual(['abc1-3']);
    const none = ring.resume(ring.currentId());
    expect(none).toEqual({ kind: 'replay', messages: [] });
  });

  it('asks for a reload once the messages after the id are gone (by count or by bytes)', () => {
    const byCount = createRing({ maxMessages: 3, maxBytes: 1e6 }, 'ab');
    frames(byCount, 5);
    expect(byCount.resume('ab-1').kind).toBe('reload');
    expect(byCount.resume('ab-2').kind).toBe('replay');
    const byBytes = createRing({ maxMessages: 100, maxBytes: 25 }, 'ab');
    frames(byBytes, 5, 10);
    expect(byBytes.resume('ab-2').kind).toBe('reload');
    expect(byBytes.resume('ab-3').kind).toBe('replay');
  });

  it('asks for a reload on another process\'s id, an id from the future, or garbage', () => {
    const ring = createRing({ maxMessages: 10, maxBytes: 1e6 }, 'ab');
    frames(ring, 2);
    for (const id of ['cd-1', 'ab-3', 'ab', '', 'ab-1-2', 'AB-1', 'ab-99999999999999999']) expect(ring.resume(id).kind, id).toBe('reload');
  });
});
