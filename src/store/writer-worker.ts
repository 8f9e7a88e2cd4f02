// Worker-thread entry of the ingest writer: prepares reports, group-commits them, answers after the commit.
import { workerData, type MessagePort } from 'node:worker_threads';
import { AppError } from '../errors.js';
import { acceptInProcess } from '../ingest/accept.js';
import { keyMatcher } from '../ingest/scrub.js';
import { openDatabase } from './open-database.js';
import { createSqliteStore } from './sqlite-store.js';
import type { FromWriter, QueuedWrite, ToWriter, WriterData, WriterOutcome } from './writer-protocol.js';

const { databasePath, scrubFields, closed, port } = workerData as WriterData & { port: MessagePort };
const isSecret = keyMatcher(scrubFields);
// The main thread migrated the file before starting this thread; this connection only writes reports.
// (The pipeline runs here too: the main thread hands over the body text and is free for HTTP.)
const db = openDatabase(databasePath);
const store = createSqliteStore(db);
const acceptor = acceptInProcess(store, isSecret);

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
    // Writes what is still queued, checkpoints, closes; then wakes the main thread,
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
  // Every report of the message joins the store's current group commit (synchronous=FULL: the
  // commit returns once the WAL is on disk), and is answered after it.
  void Promise.all(message.writes.map(write)).then((outcomes) => port.postMessage({ type: 'written', outcomes } satisfies FromWriter));
});

port.postMessage({ type: 'ready' } satisfies FromWriter);
