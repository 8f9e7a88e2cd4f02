// Which reports enter a group's ring of occurrences, and where: the five newest by their own timestamp.

/** One kept occurrence: its place in the ring, its arrival (the group's count then) and its timestamp. */
export interface RingEntry {
  slot: number;
  seq: number;
  timestamp: string;
}

/** A report of the batch to write: its index in the batch, its arrival number and its ring slot. */
export interface RingWrite {
  index: number;
  seq: number;
  slot: number;
  /** The slot holds a row already (overwrite it in place) rather than being new. */
  overwrite: boolean;
}

/**
 * The ring keeps a group's `size` newest occurrences by timestamp (of equal ones, the last to
 * arrive): a back-dated report enters only if it is newer than one kept, in the place of the
 * oldest. Of a batch only its newest can enter; each is written once. `before` is the group's
 * count before the batch, so the batch's reports arrive as before + 1, before + 2, ...
 */
export function placeInRing(ring: readonly RingEntry[], timestamps: readonly string[], before: number, size: number): RingWrite[] {
  // Candidates as [timestamp, seq, slot (-1 for a report of the batch), index in the batch (-1 for a kept one)].
  type Candidate = [string, number, number, number];
  const kept: Candidate[] = ring.map((e) => [e.timestamp, e.seq, e.slot, -1]);
  const newer = (a: Candidate, b: Candidate) => a[0] > b[0] || (a[0] === b[0] && a[1] > b[1]);
  timestamps.forEach((timestamp, i) => {
    const candidate: Candidate = [timestamp, before + i + 1, -1, i];
    if (kept.length < size) {
      kept.push(candidate);
      return;
    }
    let oldest = 0;
    for (let j = 1; j < kept.length; j++) if (newer(kept[oldest]!, kept[j]!)) oldest = j;
    if (newer(candidate, kept[oldest]!)) kept[oldest] = candidate;
  });
  const taken = new Set(kept.filter((c) => c[3] < 0).map((c) => c[2]));
  const existing = new Set(ring.map((e) => e.slot));
  const writes: RingWrite[] = [];
  let slot = 0;
  for (const [, seq, , index] of kept) {
    if (index < 0) continue;
    while (taken.has(slot)) slot++;
    taken.add(slot);
    writes.push({ index, seq, slot, overwrite: existing.has(slot) });
  }
  return writes;
}
