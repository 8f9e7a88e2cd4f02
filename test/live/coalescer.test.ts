// The coalescer: many reports of one interval become one batch, with the latest counts and the flags of any.
import { afterEach, describe, expect, it } from 'vitest';
import { createCoalescer, type Coalescer } from '../../src/live/coalescer.js';
import type { ChangeBatch } from '../../src/live/types.js';
import type { IngestResult } from '../../src/store/types.js';
import { preparedReport } from '../helper.js';

let c: Coalescer | undefined;
afterEach(() => c?.close());

const result = (id: number, count: number, extra: Partial<IngestResult> & { users?: number } = {}): IngestResult => ({ id, fingerprint: `f${id}`, count, created: count === 1, regression: false, ...extra });

function make(maxGroups = 100) {
  const batches: ChangeBatch[] = [];
  // An interval far longer than the test: nothing is sent until flush() is called.
  c = createCoalescer({ intervalMs: 3_600_000, maxGroups, onBatch: (b) => batches.push(b) });
  return batches;
}

describe('coalescer', () => {
  it('sends the first change at once, then holds the rest until the interval has passed', async () => {
    const batches = make();
    c!.note(result(1, 1), preparedReport());
    await new Promise((r) => setTimeout(r, 20));
    expect(batches).toHaveLength(1);
    c!.note(result(1, 2, { created: false }), preparedReport());
    await new Promise((r) => setTimeout(r, 20));
    expect(batches).toHaveLength(1);
  });

  it('merges a group\'s reports into one change: the highest count, the newest time, new or regression if any was', () => {
    const batches = make();
    c!.note(result(7, 1), preparedReport({ exceptionType: 'KeyError', timestamp: '2026-01-01T00:00:02.000Z' }));
    c!.note(result(7, 3, { created: false }), preparedReport({ timestamp: '2026-01-01T00:00:05.000Z' }));
    c!.note(result(7, 2, { created: false, regression: true }), preparedReport({ timestamp: '2026-01-01T00:00:01.000Z' }));
    c!.note(result(8, 40, { created: false, users: 12 }), preparedReport({ project: 'blog' }));
    c!.flush();
    const [batch] = batches;
    expect(batch!.more).toBe(false);
    expect(batch!.groups).toEqual([
      expect.objectContaining({ id: 7, count: 3, new: true, regression: true, last_seen: '2026-01-01T00:00:05.000Z', first_seen: '2026-01-01T00:00:01.000Z', exception_type: 'KeyError' }),
      { id: 8, project: 'blog', count: 40, last_seen: '2026-01-01T00:00:00.000Z', new: false, regression: false, users: 12 },
    ]);
  });

  it('carries at most maxGroups groups and says there were more', () => {
    const batches = make(3);
    for (let id = 1; id <= 5; id++) c!.note(result(id, 1), preparedReport());
    c!.note(result(2, 9, { created: false }), preparedReport());
    c!.flush();
    expect(batches[0]!.groups.map((g) => [g.id, g.count])).toEqual([[1, 1], [2, 9], [3, 1]]);
    expect(batches[0]!.more).toBe(true);
  });

  it('cuts a long message to the list excerpt', () => {
    const batches = make();
    c!.note(result(1, 1), preparedReport({ message: 'x'.repeat(5000) }));
    c!.flush();
    expect(batches[0]!.groups[0]!.message!.length).toBeLessThanOrEqual(300);
  });
});
