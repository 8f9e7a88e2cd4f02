// Occurrences by their own timestamp: the five newest kept, newest first, and the group shows the newest one's message, not the last to arrive.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { migrate } from '../../src/store/sqlite/migrate.js';
import { openDatabase } from '../../src/store/sqlite/open-database.js';
import { createSqliteStore } from '../../src/store/sqlite/index.js';
import type { PreparedReport, Store } from '../../src/store/types.js';
import { auth, buildTestApp, preparedReport, report, type TestApp } from '../helper.js';

const at = (hour: number, minute = 0) => new Date(Date.UTC(2026, 1, 1, hour, minute)).toISOString();

/** A report whose every per-occurrence field names it, so the test can tell which one won. */
const named = (name: string, timestamp: string, source: PreparedReport['source'] = 'server') =>
  preparedReport({ timestamp, message: `message ${name}`, traceback: `Error: ${name}\n    at f (/srv/${name}.js:1:1)`, release: `release-${name}`, environment: `env-${name}`, userId: name, source });

let store: Store;
beforeEach(() => {
  const db = openDatabase(':memory:');
  migrate(db);
  store = createSqliteStore(db, { now: () => new Date('2026-03-01T00:00:00.000Z') });
});
afterEach(() => store.close());

async function group(): Promise<NonNullable<Awaited<ReturnType<Store['getError']>>>> {
  const { errors } = await store.listErrors({ limit: 10, offset: 0 });
  expect(errors).toHaveLength(1);
  return (await store.getError(errors[0]!.id))!;
}

/** What the newest occurrence should have left on the group. */
function expectNewest(g: Awaited<ReturnType<typeof group>>, name: string, timestamp: string, source = 'server') {
  expect(g.error).toMatchObject({ message: `message ${name}`, release: `release-${name}`, environment: `env-${name}`, lastSeen: timestamp, source });
  expect(g.error.traceback).toBe(`Error: ${name}\n    at f (/srv/${name}.js:1:1)`);
}

describe('occurrences ordered by their own timestamp', () => {
  it('a back-dated report, one commit after the other: listed below the newer one, and it changes nothing of the group but counts', async () => {
    await store.ingest(named('new', at(10)));
    await store.ingest(named('old', at(9), 'browser'));
    const g = await group();
    expect(g.occurrences.map((o) => o.userId)).toEqual(['new', 'old']);
    expectNewest(g, 'new', at(10));
    expect(g.error).toMatchObject({ count: 2, firstSeen: at(9) });
  });

  it('the same within one group commit, in either order of arrival', async () => {
    await Promise.all([store.ingest(named('a', at(8))), store.ingest(named('new', at(10))), store.ingest(named('old', at(9), 'browser'))]);
    let g = await group();
    expect(g.occurrences.map((o) => o.userId)).toEqual(['new', 'old', 'a']);
    expectNewest(g, 'new', at(10));
    // A later batch of older reports only: the group keeps the newest's fields.
    await Promise.all([store.ingest(named('older', at(7), 'browser')), store.ingest(named('oldest', at(6), 'browser'))]);
    g = await group();
    expect(g.occurrences.map((o) => o.userId)).toEqual(['new', 'old', 'a', 'older', 'oldest']);
    expectNewest(g, 'new', at(10));
    expect(g.error).toMatchObject({ count: 5, firstSeen: at(6) });
    // A newer one in a mixed batch takes over, source included.
    await Promise.all([store.ingest(named('stale', at(5))), store.ingest(named('newest', at(11), 'browser')), store.ingest(named('mid', at(9, 30)))]);
    g = await group();
    // The ring keeps the five newest by timestamp: 'stale' never enters, 'older' and 'oldest' make way.
    expect(g.occurrences.map((o) => o.userId)).toEqual(['newest', 'new', 'mid', 'old', 'a']);
    expectNewest(g, 'newest', at(11), 'browser');
    expect(g.error).toMatchObject({ count: 8, firstSeen: at(5) });
  });

  it('a full ring takes a back-dated report only in place of an older one', async () => {
    for (let h = 10; h < 15; h++) await store.ingest(named(`h${h}`, at(h)));
    await store.ingest(named('too-old', at(9)));
    expect((await group()).occurrences.map((o) => o.userId)).toEqual(['h14', 'h13', 'h12', 'h11', 'h10']);
    await store.ingest(named('late', at(12, 30)));
    const g = await group();
    expect(g.occurrences.map((o) => o.userId)).toEqual(['h14', 'h13', 'late', 'h12', 'h11']);
    expectNewest(g, 'h14', at(14));
    expect(g.error.count).toBe(7);
  });

  it('of equal timestamps the last to arrive is the newest, alone or batched', async () => {
    await store.ingest(named('first', at(10)));
    await store.ingest(named('second', at(10)));
    let g = await group();
    expect(g.occurrences.map((o) => o.userId)).toEqual(['second', 'first']);
    expectNewest(g, 'second', at(10));
    await Promise.all([store.ingest(named('third', at(10))), store.ingest(named('fourth', at(10)))]);
    g = await group();
    expect(g.occurrences.map((o) => o.userId)).toEqual(['fourth', 'third', 'second', 'first']);
    expectNewest(g, 'fourth', at(10));
  });
});

describe('through the API', () => {
  let t: TestApp;
  beforeEach(async () => {
    t = await buildTestApp();
  });
  afterEach(() => t.close());

  it('GET /api/errors/:id lists occurrences newest first by timestamp; the list shows the newest message', async () => {
    const post = (message: string, timestamp: string) =>
      t.app.inject({ method: 'POST', url: '/api/errors', headers: auth, payload: report({ message, timestamp }) });
    for (const [message, timestamp] of [
      ['at noon', '2026-02-27T12:00:00Z'],
      ['back-dated to the morning', '2026-02-27T08:00:00Z'],
      ['at one', '2026-02-27T13:00:00+00:00'],
      ['back-dated, another zone', '2026-02-27T12:30:00+02:00'],
    ] as const) {
      expect((await post(message, timestamp)).statusCode).toBeLessThan(300);
    }
    const list = (await t.app.inject({ url: '/api/errors', headers: auth })).json() as { errors: Array<{ id: number; message: string; last_seen: string; first_seen: string }> };
    expect(list.errors[0]).toMatchObject({ message: 'at one', last_seen: '2026-02-27T13:00:00.000Z', first_seen: '2026-02-27T08:00:00.000Z' });
    const details = (await t.app.inject({ url: `/api/errors/${list.errors[0]!.id}`, headers: auth })).json() as {
      error: { message: string };
      occurrences: Array<{ message: string; timestamp: string }>;
    };
    expect(details.error.message).toBe('at one');
    expect(details.occurrences.map((o) => o.message)).toEqual(['at one', 'at noon', 'back-dated, another zone', 'back-dated to the morning']);
  });
});
