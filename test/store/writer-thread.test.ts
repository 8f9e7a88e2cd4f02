// The ingest writer thread as the service runs it (dist/): pipeline and commit there, errors back, synchronous close.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { migrate } from '../../src/store/migrate.js';
import { openDatabase } from '../../src/store/open-database.js';
import { createSqliteStore } from '../../src/store/sqlite-store.js';
import type { Store } from '../../src/store/types.js';
import type { NativeSubmission } from '../../src/ingest/accept.js';
import type { IngestWriter } from '../../src/store/writer-thread.js';

// The worker loads compiled JavaScript, so the thread is started from dist (built by global-setup).
const { startWriterThread, withIngestWriter } = (await import(new URL('../../dist/store/writer-thread.js', import.meta.url).href)) as typeof import('../../src/store/writer-thread.js');
const { AppError } = (await import(new URL('../../dist/errors.js', import.meta.url).href)) as typeof import('../../src/errors.js');

let dir: string;
let path: string;
let store: Store | undefined;
let writer: IngestWriter;
const failures: Error[] = [];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'et-writer-'));
  path = join(dir, 'errors.db');
  failures.length = 0;
});
afterEach(() => {
  try {
    store?.close();
  } catch {
    // closed by the test already
  }
  store = undefined;
  rmSync(dir, { recursive: true, force: true });
});

async function open(): Promise<Store> {
  const db = openDatabase(path);
  migrate(db);
  const main = createSqliteStore(db);
  await main.probeWrite();
  writer = await startWriterThread({ databasePath: path, scrubFields: ['order_secret'], onFailure: (err) => failures.push(err) });
  store = withIngestWriter(main, writer);
  return store;
}


/** A native report's body as a client sends it; `i` picks its group. */
const native = (i: number, body: Record<string, unknown> = {}): NativeSubmission => ({
  text: JSON.stringify({ project: 'shop', exception_type: 'E', message: `report ${i}`, fingerprint: `g${i}`, ...body }),
  receivedAt: Date.parse('2026-11-01T12:00:00Z'),
});

/** What another process would find in the file. */
function countsOnDisk(): { groups: number; occurrences: number } {
  const db = new Database(path, { readonly: true });
  try {
    return {
      groups: (db.prepare('SELECT count(*) AS n FROM errors').get() as { n: number }).n,
      occurrences: (db.prepare('SELECT count(*) AS n FROM error_occurrences').get() as { n: number }).n,
    };
  } finally {
    db.close();
  }
}

describe('ingest writer thread', () => {
  it('prepares and stores native reports, answering each once it is committed', async () => {
    const s = await open();
    const accepted = await Promise.all(Array.from({ length: 300 }, (_, i) => writer.acceptNative(native(i % 100))));
    const results = accepted.map((a) => a.result);
    expect(results.filter((r) => r.created)).toHaveLength(100);
    expect(results.slice(200).map((r) => r.count)).toEqual(Array(100).fill(3));
    // The prepared report comes back for new groups only (alerts), not for every repeat.
    expect(accepted.filter((a) => a.report !== undefined)).toHaveLength(100);
    expect(accepted[0]!.report).toMatchObject({ project: 'shop', exceptionType: 'E', message: 'report 0', timestamp: '2026-11-01T12:00:00.000Z' });
    // Acknowledged means visible to any other connection, at once.
    expect(countsOnDisk().groups).toBe(100);
    const listed = await s.listErrors({ limit: 1, offset: 0 });
    expect(listed.total).toBe(100);
    expect(failures).toEqual([]);
  });

  it('scrubs with the configured fields on the writer thread', async () => {
    const s = await open();
    const { result } = await writer.acceptNative(native(1, { extra: { order_secret: 'hunter2', visible: 'yes' } }));
    const found = await s.getError(result.id);
    expect(found!.occurrences[0]!.extra).toEqual({ order_secret: '[redacted]', visible: 'yes' });
  });

  it('answers a bad report with the catalogue error, and stores nothing', async () => {
    await open();
    await expect(writer.acceptNative({ text: '{"project":', receivedAt: Date.now() })).rejects.toMatchObject({ code: 'invalid_json', statusCode: 400 });
    await expect(writer.acceptNative({ text: '{"project":"shop"}', receivedAt: Date.now() })).rejects.toMatchObject({ statusCode: 400 });
    await expect(writer.acceptNative({ ...native(1), requiredProject: 'billing' })).rejects.toMatchObject({ code: 'wrong_project', statusCode: 403 });
    const err = await writer.acceptNative({ text: '', receivedAt: Date.now() }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AppError);
    expect(countsOnDisk().groups).toBe(0);
  });

  it('prepares and stores Sentry events, dropping a resent event id', async () => {
    const s = await open();
    const event = (id: string) => ({
      text: JSON.stringify({ event_id: id, exception: { values: [{ type: 'KeyError', value: "'sku'" }] } }),
      project: 'shop',
      receivedAt: Date.parse('2026-11-01T12:00:00Z'),
    });
    const first = await writer.acceptSentry(event('a'.repeat(32)));
    expect(first).toMatchObject({ eventId: 'a'.repeat(32), result: { count: 1, created: true }, report: { exceptionType: 'KeyError' } });
    const resent = await writer.acceptSentry(event('a'.repeat(32)));
    expect(resent).toEqual({ eventId: 'a'.repeat(32), result: null });
    await expect(writer.acceptSentry({ ...event('b'.repeat(32)), text: '[1]' })).rejects.toMatchObject({ code: 'invalid_event', statusCode: 400 });
    expect((await s.getError(first.result!.id))!.error.count).toBe(1);
  });

  it('fails only the report the database refuses, with the SQLite code the error handler maps', async () => {
    const s = await open();
    // A real refusal from the database: a trigger aborts one message.
    const db = new Database(path);
    db.exec("CREATE TRIGGER poison BEFORE INSERT ON errors WHEN new.message = 'report 2' BEGIN SELECT RAISE(ABORT, 'poisoned'); END");
    db.close();
    const settled = await Promise.allSettled([1, 2, 3].map((i) => writer.acceptNative(native(i))));
    expect(settled.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    const reason = (settled[1] as PromiseRejectedResult).reason as Error & { code?: string };
    expect(reason).toBeInstanceOf(Error);
    expect(reason.code).toMatch(/^SQLITE_CONSTRAINT/);
    expect(countsOnDisk().groups).toBe(2);
    expect((await s.listErrors({ limit: 5, offset: 0 })).total).toBe(2);
  });

  it('close() writes what is queued synchronously, as the crash handler needs', async () => {
    const s = await open();
    const pending = Array.from({ length: 50 }, (_, i) => writer.acceptNative(native(i)));
    s.close(); // no await in between: the reports were not even sent to the thread yet
    store = undefined;
    expect(countsOnDisk()).toEqual({ groups: 50, occurrences: 50 });
    // Written, but closed before it could say so: never a false acknowledgement, never a hang.
    const settled = await Promise.allSettled(pending);
    expect(settled.every((r) => r.status === 'rejected' || r.value.result.count === 1)).toBe(true);
    expect(failures).toEqual([]);
  });

  it('refuses reports after close', async () => {
    const s = await open();
    s.close();
    store = undefined;
    await expect(writer.acceptNative(native(1))).rejects.toThrow(/closed/);
    await expect(writer.acceptSentry({ text: '{}', project: 'shop', receivedAt: Date.now() })).rejects.toThrow(/closed/);
  });

  it('does not start on a database it cannot open', async () => {
    await expect(startWriterThread({ databasePath: join(dir, 'missing', 'errors.db'), scrubFields: [], onFailure: () => {} })).rejects.toThrow();
  });
});
