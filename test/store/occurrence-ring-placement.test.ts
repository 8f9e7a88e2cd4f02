// placeInRing: which reports of a batch enter a group's ring of five, and in which slot.
import { describe, expect, it } from 'vitest';
import { placeInRing, type RingEntry } from '../../src/store/occurrence-ring.js';

const ts = (minute: number) => `2026-02-01T10:${String(minute).padStart(2, '0')}:00.000Z`;
/** A full ring of five kept at minutes 10..14, slot i holding minute 10 + i. */
const full: RingEntry[] = [0, 1, 2, 3, 4].map((i) => ({ slot: i, seq: i + 1, timestamp: ts(10 + i) }));

describe('placeInRing', () => {
  it.each([
    { name: 'an empty ring takes the first five, new slots', ring: [], batch: [1, 2, 3], before: 0, writes: [[0, 1, 0, false], [1, 2, 1, false], [2, 3, 2, false]] },
    { name: 'of a batch of seven only the five newest enter', ring: [], batch: [7, 1, 6, 2, 5, 4, 3], before: 0, entering: [0, 2, 4, 5, 6] },
    { name: 'a newer report replaces the oldest kept, in its slot', ring: full, batch: [20], before: 5, writes: [[0, 6, 0, true]] },
    { name: 'a report older than all five kept stays out', ring: full, batch: [9], before: 5, writes: [] },
    { name: 'a back-dated report newer than one kept takes the oldest slot', ring: full, batch: [12], before: 5, writes: [[0, 6, 0, true]] },
    { name: 'an equal timestamp arriving later is the newer', ring: full, batch: [10], before: 5, writes: [[0, 6, 0, true]] },
    { name: 'a part-filled ring fills its free slots first', ring: full.slice(0, 2), batch: [1, 30], before: 2, writes: [[0, 3, 2, false], [1, 4, 3, false]] },
  ])('$name', ({ ring, batch, before, writes, entering }) => {
    const placed = placeInRing(ring, batch.map(ts), before, 5);
    if (writes) expect(placed).toEqual(writes.map(([index, seq, slot, overwrite]) => ({ index, seq, slot, overwrite })));
    // Which enter; their slots are the five, each once (the order of writing does not matter).
    if (entering) {
      expect(placed.map((w) => w.index).sort()).toEqual(entering);
      expect(placed.map((w) => w.slot).sort()).toEqual([0, 1, 2, 3, 4]);
      expect(placed.every((w) => w.seq === before + w.index + 1 && !w.overwrite)).toBe(true);
    }
  });
});
