// Worker-thread entry of the ingest writer: prepares reports, group-commits, answers once they are on disk.
import { closeSync, fdatasync, openSync, statSync } from 'node:fs';
import { workerData, type MessagePort } from 'node:worker_threads';
import { AppError } from '../errors.js';
import { acceptInProcess } from '../ingest/accept.js';
import { keyMatcher } from '../ingest/scrub.js';
import { createDurableAcks } from './durable-acks.js';
import { openDatabase } from './open-database.js';
import { createSqliteStore } from './sqlite-store.js';
import type { FromWriter, QueuedWrite, ToWriter, WriterData, WriterOutcome } from './writer-protocol.js';

const { databasePath, scrubFields, closed, port } = workerData as WriterData & { port: MessagePort };
const isSecret = keyMatcher(scrubFields);
// The main thread migrated the file before starting this thread; this connection only writes reports.
// (The pipeline runs here too: the main thread hands over the body text and is free for HTTP.)
const db = openDatabase(databasePath);
/*
 * Durability without an fsync inside each commit. With synchronous=FULL, SQLite syncs the WAL
 * inside COMMIT while it holds the write lock, so the next batch could not even start its
 * statements until the disk answered. Here the commit only writes the WAL (NORMAL: still
 * consistent after a power loss, but the newest commits may be missing), and this thread syncs the
 * WAL file itself, on libuv's pool, while the next batch is written. A report is answered only
 * after a sync that started after its commit returned (durable-acks.ts), so everything acknowledged is on stable
 * storage, as with FULL; what a power loss can take is only what was never acknowledged.
 * (PostgreSQL's group commit works the same way: write the WAL, flush it once for many commits.)
 */
db.pragma('synchronous = NORMAL');
const store = createSqliteStore(db);
const acceptor = acceptInProcess(store, isSecret);

const walPath = `${databasePath}-wal`;
let wal = openWal();

/** The WAL file stays the same file while the main connection is open; checked anyway, a sync of a stale file would be a silent loss. */
function openWal(): { fd: number; ino: number } {
  const fd = openSync(walPath, 'r');
  return { fd, ino: statSync(walPath).ino };
}

const acks = createDurableAcks<WriterOutcome>(
  (done) => {
    if (statSync(walPath).ino !== wal.ino) {
      closeSync(wal.fd);
      wal = openWal();
    }
    fdatasync(wal.fd, done);
  },
  (outcomes) => port.postMessage({ type: 'written', outcomes } satisfies FromWriter),
);

/** One write, answered as data: the catalogue's rejection, the storage error with its SQLite code, or the result. */
async function write(w: QueuedWrite): Promise<WriterOutcome> {
  try {
    return 'sentry' in w ? { id: w.id, ...(await acceptor.acceptSentry(w.sentry)) } : { id: w.id, ...(await acceptor.acceptNative(w.native)) };
  } catch (err) {
    if (err instanceof AppError) return { id: w.id, rejected: err.toData() };
    const e = err as Error & { code?: unknown };
    return { id: w.id, error: { name: e.name, message: e.message, code: typeof e.code === 'string' ? e.code : undefined } };
  }
}

port.on('message', (message: ToWriter) => {
  if (message.type === 'close') {
    // Writes what is still queued, checkpoints (which syncs), closes; then wakes the main thread,
    // which may be blocked in Atomics.wait (a crash handler cannot wait for the event loop).
    let failed: string | undefined;
    try {
      store.close();
    } catch (err) {
      failed = (err as Error).message;
    }
    Atomics.store(closed, 0, failed === undefined ? 1 : 2);
    Atomics.notify(closed, 0);
    port.postMessage({ type: 'closed', error: failed } satisfies FromWriter);
    port.close();
    return;
  }
  // Every report of the message joins the store's current group commit; answered after the sync.
  void Promise.all(message.writes.map(write)).then((outcomes) => acks.committed(outcomes));
});

port.postMessage({ type: 'ready' } satisfies FromWriter);
