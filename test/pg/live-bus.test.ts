// The PostgreSQL live bus between instances: batches reach the others once, large ones whole, the sender not twice; a lost LISTEN connection comes back and tells clients to re-read.
import pg from 'pg';
import { afterAll, afterEach, beforeAll, expect, inject, it } from 'vitest';
import type { ChangeBatch, GroupChange } from '../../src/live/types.js';
import { createLogger } from '../../src/logger.js';
import { createPgLiveBus, type PgLiveBus } from '../../src/store/pg/live-bus.js';
import { openPool, type Pool } from '../../src/store/pg/pool.js';
import { waitFor } from '../chromium.js';
import { createDatabase } from './postgres-server.js';

let url: string;
let pool: Pool;
const logger = createLogger('silent');
const buses: PgLiveBus[] = [];

beforeAll(async () => {
  url = await createDatabase(inject('pgAdminUrl'), { migrated: true });
  pool = openPool(url, { max: 4 });
});

afterEach(async () => {
  for (const b of buses.splice(0)) await b.close();
});

afterAll(async () => {
  await pool?.end();
});

const AT = '2026-03-01T12:00:00.000Z';
const change = (id: number, extra: Partial<GroupChange> = {}): GroupChange => ({ id, project: 'shop', count: id, last_seen: AT, new: false, regression: false, ...extra });

/** A bus with its own LISTEN connection and origin (another instance), with what its subscriber received. */
async function instance(): Promise<{ bus: PgLiveBus; got: ChangeBatch[] }> {
  const bus = createPgLiveBus({ url, pool, logger });
  buses.push(bus);
  const got: ChangeBatch[] = [];
  bus.subscribe((b) => got.push(b));
  await bus.listening();
  return { bus, got };
}

it('delivers a batch to every instance once, the sender at once and not again through the database', async () => {
  const a = await instance();
  const b = await instance();
  const first: ChangeBatch = { groups: [change(1, { new: true, exception_type: 'KeyError', message: 'm', source: 'server', file: 'a.py', line: 1, first_seen: AT })], more: false, at: AT };
  a.bus.publish(first);
  expect(a.got).toEqual([first]);
  await waitFor(async () => (b.got.length > 0 ? true : undefined), 10_000);
  expect(b.got).toEqual([first]);
  // Notifications reach a connection in commit order: once A has B's reply, A's own first batch came back before it (and was skipped).
  const reply: ChangeBatch = { groups: [change(2)], more: false, at: AT };
  b.bus.publish(reply);
  await waitFor(async () => (a.got.length > 1 ? true : undefined), 10_000);
  expect(a.got).toEqual([first, reply]);
  expect(b.got).toEqual([first, reply]);
});

it('carries a batch larger than one NOTIFY allows, every group in order', async () => {
  const a = await instance();
  const b = await instance();
  const groups = Array.from({ length: 200 }, (_, i) => change(i + 1, { new: true, exception_type: `Wide${i}Error`, message: 'x'.repeat(300), source: 'browser', file: `https://shop.example/${'a/'.repeat(40)}app.js`, line: i, first_seen: AT }));
  a.bus.publish({ groups, more: true, at: AT });
  await waitFor(async () => (b.got.some((x) => x.more) ? true : undefined), 10_000);
  expect(b.got.length).toBeGreaterThan(1);
  expect(b.got.flatMap((x) => x.groups)).toEqual(groups);
  expect(b.got.at(-1)!.more).toBe(true);
});

it('listens again after its connection is cut, tells its clients to re-read, and hears the others again', async () => {
  const a = await instance();
  const b = await instance();
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  try {
    // What a restart of PostgreSQL does to every connection; here only the LISTEN ones (the pool stays up).
    const cut = await admin.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'error-tracker-live' AND datname = current_database()`);
    expect(cut.rowCount).toBe(2);
  } finally {
    await admin.end();
  }
  await waitFor(async () => (b.got.length > 0 ? true : undefined), 15_000);
  expect(b.got[0]).toMatchObject({ groups: [], more: true });
  await b.bus.listening();
  await a.bus.listening();
  const after: ChangeBatch = { groups: [change(9)], more: false, at: AT };
  a.bus.publish(after);
  await waitFor(async () => (b.got.some((x) => x.groups.some((g) => g.id === 9)) ? true : undefined), 10_000);
  expect(b.got.at(-1)).toEqual(after);
});

it('ignores a stray notification on its channel', async () => {
  const b = await instance();
  await pool.query(`SELECT pg_notify('error_tracker_live', 'not a batch')`);
  const a = await instance();
  a.bus.publish({ groups: [change(5)], more: false, at: AT });
  await waitFor(async () => (b.got.length > 0 ? true : undefined), 10_000);
  expect(b.got).toEqual([{ groups: [change(5)], more: false, at: AT }]);
});

it('tells the others to re-read after a batch it could not send', async () => {
  const b = await instance();
  const lines: string[] = [];
  const logged = createLogger('info', { write: (line: string) => void lines.push(line) });
  // A pool of its own with no connection open yet, so that its first NOTIFY needs a new one.
  const lonely = openPool(url, { max: 1 });
  const a = createPgLiveBus({ url, pool: lonely, logger: logged });
  buses.push(a);
  await a.listening();
  const admin = new pg.Client({ connectionString: inject('pgAdminUrl') });
  await admin.connect();
  const db = new URL(url).pathname.slice(1);
  try {
    await admin.query(`ALTER DATABASE ${db} ALLOW_CONNECTIONS false`);
    a.publish({ groups: [change(1)], more: false, at: AT });
    await waitFor(async () => (lines.some((l) => l.includes('cannot reach the other instances')) ? true : undefined), 15_000);
  } finally {
    await admin.query(`ALTER DATABASE ${db} ALLOW_CONNECTIONS true`);
    await admin.end();
  }
  a.publish({ groups: [change(2)], more: false, at: AT });
  await waitFor(async () => (b.got.length > 0 ? true : undefined), 15_000);
  expect(b.got).toEqual([{ groups: [change(2)], more: true, at: AT }]);
  await lonely.end();
});
