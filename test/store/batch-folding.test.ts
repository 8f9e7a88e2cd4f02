// A group commit folds each group's reports into one write: the result must be what writing them one by one gives.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { migrate } from '../../src/store/sqlite/migrate.js';
import { openDatabase, type Db } from '../../src/store/sqlite/open-database.js';
import { createSqliteStore } from '../../src/store/sqlite/index.js';
import type { IngestResult, PreparedReport, Store } from '../../src/store/types.js';
import { preparedReport } from '../helper.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'et-fold-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function open(name: string): { db: Db; store: Store } {
  const db = openDatabase(join(dir, name));
  migrate(db);
  // A fixed clock: projects and Sentry event ids are stamped with it.
  return { db, store: createSqliteStore(db, { now: () => new Date('2026-03-01T00:00:00.000Z') }) };
}

/** Deterministic, so a failure replays. */
function prng(seed: number): () => number {
  let s = seed;
  return () => {
    s = (s * 1_103_515_245 + 12_345) % 2 ** 31;
    return s / 2 ** 31;
  };
}

/**
 * Reports over four groups, most of them on one hot group, with what changes between reports of a
 * group: message, release, source, hour (out of order too), occurrence data and Sentry event ids,
 * some of them resent.
 */
function reports(count: number, random: () => number): Array<{ report: PreparedReport; eventId?: string }> {
  return Array.from({ length: count }, (_, i) => {
    const g = random() < 0.6 ? 0 : Math.floor(random() * 4);
    const minutes = Math.floor(random() * 180);
    const report = preparedReport({
      fingerprint: `g${g}`.padEnd(32, '0'),
      project: g === 3 ? 'billing' : 'shop',
      message: `boom ${Math.floor(random() * 3)}`,
      traceback: `Error: boom\n    at f (/srv/app.js:${g}:1)${random() < 0.2 ? ' (variant)' : ''}`,
      source: random() < 0.2 ? 'browser' : 'server',
      timestamp: new Date(Date.UTC(2026, 1, 1) + minutes * 60_000 + i).toISOString(),
      release: random() < 0.5 ? '1.0.0' : '1.0.1',
      environment: random() < 0.5 ? 'production' : null,
      requestUrl: `https://shop.example.com/${i}`,
      requestHeaders: { 'x-n': String(i) },
      extra: { i },
      userId: `u${i}`,
    });
    const eventId = random() < 0.3 ? `e${Math.floor(random() * 12)}`.padEnd(32, '0') : undefined;
    return eventId === undefined ? { report } : { report, eventId };
  });
}

const send = (store: Store, { report, eventId }: { report: PreparedReport; eventId?: string }): Promise<IngestResult | null> =>
  eventId === undefined ? store.ingest(report) : store.ingestEvent(report, eventId);

/** Everything a report leaves behind, read back through the store. */
async function state(store: Store) {
  const { errors } = await store.listErrors({ limit: 50, offset: 0 });
  const ids = errors.map((e) => e.id);
  return {
    groups: await Promise.all(ids.map((id) => store.getError(id))),
    hourly: await store.hourlyCounts(ids, '2026-01-01T00:00:00Z', '2026-12-31T00:00:00Z'),
  };
}

describe('group commit folding', () => {
  it('leaves the same groups, rings, hourly counts and per-report results as writing the reports one by one', async () => {
    const random = prng(11);
    const oneByOne = open('one.db');
    const batched = open('batched.db');
    const expected: Array<IngestResult | null> = [];
    const got: Array<IngestResult | null> = [];
    for (let round = 0; round < 12; round++) {
      const sent = reports(1 + Math.floor(random() * 40), random);
      for (const r of sent) expected.push(await send(oneByOne.store, r));
      // All at once: one commit, each group's reports folded into one write.
      got.push(...(await Promise.all(sent.map((r) => send(batched.store, r)))));
      // A resolved group must reopen on its next report, once, in either store.
      if (round % 3 === 1) {
        const id = (await oneByOne.store.listErrors({ limit: 1, offset: 0 })).errors[0]!.id;
        await oneByOne.store.setResolved(id, true);
        await batched.store.setResolved(id, true);
      }
    }
    expect(got).toEqual(expected);
    expect(expected.filter((r) => r?.regression).length).toBeGreaterThan(0);
    expect(expected.filter((r) => r === null).length).toBeGreaterThan(0);
    expect(await state(batched.store)).toEqual(await state(oneByOne.store));
    const hot = (await state(batched.store)).groups.find((g) => g!.error.fingerprint.startsWith('g0'))!;
    expect(hot.error.count).toBeGreaterThan(100);
    expect(hot.occurrences).toHaveLength(5);
    oneByOne.store.close();
    batched.store.close();
  });

  it('writes a hot group once per commit: one group row update and five ring rows for a hundred reports', async () => {
    const { db, store } = open('hot.db');
    const hot = (i: number) => preparedReport({ timestamp: new Date(Date.UTC(2026, 1, 1) + i).toISOString(), userId: `u${i}` });
    await store.ingest(hot(0));
    // Rows inserted, updated or deleted, by statements and their triggers alike.
    const changes = () => db.prepare('SELECT total_changes() AS n').get() as { n: number };
    const before = changes().n;
    const results = await Promise.all(Array.from({ length: 100 }, (_, i) => store.ingest(hot(i + 1))));
    // The group row, its five ring slots and its hourly count: 7 rows, where one by one made 300.
    // Plus the user.id tag (issue 16): 19 new values fill its top 20, the 20th new one lands in
    // "other", and the other 80 are folded into one more write of "other".
    expect(changes().n - before).toBe(7 + 19 + 1 + 1);
    expect(results.map((r) => r.count)).toEqual(Array.from({ length: 100 }, (_, i) => i + 2));
    const { error, occurrences } = (await store.getError(results[0]!.id))!;
    expect(error.count).toBe(101);
    expect(occurrences.map((o) => o.userId)).toEqual(['u100', 'u99', 'u98', 'u97', 'u96']);
    expect(await store.hourlyCounts([error.id], '2026-02-01T00:00:00Z', '2026-02-01T00:00:00Z')).toEqual([
      { errorId: error.id, hour: '2026-02-01T00:00:00Z', count: 101 },
    ]);
    store.close();
  });
});
