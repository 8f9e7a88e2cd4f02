// Ingest writes on a worker thread: commits and their fsyncs no longer stop the event loop.
import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from 'node:worker_threads';
import { AppError } from '../errors.js';
import type { Acceptor } from '../ingest/accept.js';
import type { Store } from './types.js';
import type { FromWriter, QueuedWrite, ToWriter, WriterData, WriterOutcome } from './writer-protocol.js';

/** How long close() blocks for the writer to write its queue and checkpoint. */
const CLOSE_TIMEOUT_MS = 10_000;

/** Reports handed over as text, parsed, prepared and stored on the writer thread (ingest/accept.ts). */
export interface IngestWriter extends Acceptor {
  /** Synchronous, like Store.close: writes what is queued, checkpoints and closes the writer's connection. */
  close(): void;
}

export interface WriterThreadOptions {
  databasePath: string;
  scrubFields: string[];
  /** The writer thread died: what it had not answered is failed; the service cannot ingest any more. */
  onFailure: (err: Error) => void;
}

interface Waiting {
  resolve: (outcome: WriterOutcome) => void;
  reject: (e: Error) => void;
}

/**
 * Starts the writer (the database must be migrated already) and resolves once its connection is open.
 *
 * Why a thread: with the writes on the main thread, each group commit stopped the event loop for its
 * statements and its fsync, so no request was read or answered meanwhile and the connections moved
 * in lockstep. Now the main thread reads the next wave while the writer prepares and commits the
 * last one. The reply still waits for the commit (synchronous=FULL): a report is acknowledged only
 * once it is durable.
 */
export function startWriterThread({ databasePath, scrubFields, onFailure }: WriterThreadOptions): Promise<IngestWriter> {
  const closed = new Int32Array(new SharedArrayBuffer(4));
  // A port of our own (not the worker's implicit one), so close() can read the last answers synchronously.
  const { port1: port, port2: writerPort } = new MessageChannel();
  const data: WriterData & { port: MessagePort } = { databasePath, scrubFields, closed, port: writerPort };
  const worker = new Worker(new URL('./writer-worker.js', import.meta.url), { workerData: data, transferList: [writerPort] });

  const waiting = new Map<number, Waiting>();
  let nextId = 1;
  // Reports of one event-loop turn travel as one message (one structured clone, one wake-up).
  let outbox: QueuedWrite[] = [];
  let sendScheduled = false;
  let failure: Error | undefined;
  let closing = false;

  const send = () => {
    sendScheduled = false;
    if (outbox.length === 0) return;
    port.postMessage({ type: 'writes', writes: outbox } satisfies ToWriter);
    outbox = [];
  };

  const settle = (outcome: WriterOutcome) => {
    const w = waiting.get(outcome.id);
    if (!w) return;
    waiting.delete(outcome.id);
    const { rejected, error } = outcome;
    if (rejected) w.reject(AppError.fromData(rejected));
    else if (error) w.reject(Object.assign(new Error(error.message), { name: error.name, code: error.code }));
    else w.resolve(outcome);
  };

  const fail = (err: Error) => {
    if (failure || closing) return;
    failure = err;
    for (const w of waiting.values()) w.reject(err);
    waiting.clear();
    onFailure(err);
  };

  const enqueue = (write: (id: number) => QueuedWrite) =>
    new Promise<WriterOutcome>((resolve, reject) => {
      if (failure) return reject(failure);
      if (closing) return reject(new Error('the store is closed'));
      const id = nextId++;
      waiting.set(id, { resolve, reject });
      outbox.push(write(id));
      if (!sendScheduled) {
        sendScheduled = true;
        setImmediate(send);
      }
    });

  const writer: IngestWriter = {
    async acceptNative(native) {
      const { result, report } = await enqueue((id) => ({ id, native }));
      return report ? { result: result!, report } : { result: result! };
    },
    async acceptSentry(sentry) {
      const { eventId, result, report } = await enqueue((id) => ({ id, sentry }));
      return report ? { eventId: eventId!, result: result ?? null, report } : { eventId: eventId!, result: result ?? null };
    },
    close() {
      if (closing) return;
      closing = true;
      if (failure) return; // the thread is gone, and with it whatever it had not answered
      send();
      port.postMessage({ type: 'close' } satisfies ToWriter);
      // Blocking on purpose: close() runs in crash handlers, where nothing may wait for the event loop.
      const woke = Atomics.wait(closed, 0, 0, CLOSE_TIMEOUT_MS);
      let message: { message: FromWriter } | undefined;
      let closeError: string | undefined;
      while ((message = receiveMessageOnPort(port))) {
        if (message.message.type === 'written') message.message.outcomes.forEach(settle);
        if (message.message.type === 'closed') closeError = message.message.error;
      }
      port.close();
      const stillWaiting = new Error('the store closed before answering this report (it may have been written)');
      for (const w of waiting.values()) w.reject(stillWaiting);
      waiting.clear();
      if (woke === 'timed-out') {
        void worker.terminate();
        throw new Error(`the writer thread did not close within ${CLOSE_TIMEOUT_MS} ms`);
      }
      if (Atomics.load(closed, 0) === 2) throw new Error(`the writer thread could not close the database: ${closeError ?? 'unknown error'}`);
    },
  };

  return new Promise((resolve, reject) => {
    let ready = false;
    port.on('message', (message: FromWriter) => {
      if (message.type === 'written') message.outcomes.forEach(settle);
      else if (message.type === 'ready') {
        ready = true;
        resolve(writer);
      }
    });
    worker.on('error', (err) => (ready ? fail(err) : reject(err)));
    worker.on('exit', (code) => {
      const err = new Error(`the writer thread exited (code ${code})`);
      if (!ready) reject(err);
      else fail(err);
    });
  });
}

/**
 * The store, closing `writer` first. Reports arrive through the writer (buildApp's acceptor); the
 * main connection keeps the reads, the rare other writes and the crash handler's own report.
 */
export function withIngestWriter(store: Store, writer: IngestWriter): Store {
  return {
    ...store,
    close() {
      try {
        writer.close();
      } finally {
        store.close(); // then the main connection checkpoints (TRUNCATE) and closes
      }
    },
  };
}
