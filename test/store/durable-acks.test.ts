// The ordering rule behind every acknowledgement: an answer waits for a sync that began after its commit.
import { describe, expect, it } from 'vitest';
import { createDurableAcks, type Sync } from '../../src/store/durable-acks.js';

/** A disk whose syncs the test completes by hand, in order. */
function manualDisk() {
  const pending: Array<(err: Error | null) => void> = [];
  const sync: Sync = (done) => pending.push(done);
  return { sync, pending, finish: (err: Error | null = null) => pending.shift()!(err) };
}

describe('durable acknowledgements', () => {
  it('delivers nothing before the sync that covers it has finished', () => {
    const disk = manualDisk();
    const delivered: number[][] = [];
    const acks = createDurableAcks<number>(disk.sync, (a) => delivered.push(a));
    acks.committed([1, 2]);
    expect(disk.pending).toHaveLength(1);
    expect(delivered).toEqual([]);
    disk.finish();
    expect(delivered).toEqual([[1, 2]]);
  });

  it('holds answers committed during a sync for the next sync, then covers them all with one', () => {
    const disk = manualDisk();
    const delivered: number[][] = [];
    const acks = createDurableAcks<number>(disk.sync, (a) => delivered.push(a));
    acks.committed([1]);
    acks.committed([2]); // committed while the first sync runs: that sync may not include it
    acks.committed([3]);
    expect(disk.pending).toHaveLength(1); // one sync at a time
    disk.finish();
    expect(delivered).toEqual([[1]]);
    expect(disk.pending).toHaveLength(1); // the next sync started at once, for 2 and 3
    disk.finish();
    expect(delivered).toEqual([[1], [2, 3]]);
    expect(disk.pending).toHaveLength(0);
  });

  it('never acknowledges after a failed sync', () => {
    const disk = manualDisk();
    const delivered: number[][] = [];
    const acks = createDurableAcks<number>(disk.sync, (a) => delivered.push(a));
    acks.committed([1]);
    expect(() => disk.finish(new Error('EIO'))).toThrow('EIO');
    expect(delivered).toEqual([]);
  });
});
