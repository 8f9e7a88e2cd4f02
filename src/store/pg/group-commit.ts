// Group commit on PostgreSQL: reports that arrive while a batch is being written go together in the next transaction (one round trip per statement, not per report).
import type { AlertTrigger, IngestResult, PreparedReport } from '../types.js';
import { withAlertTrigger } from './outbox-writes.js';
import { isRetryable, unavailable, type Pool } from './pool.js';
import { storableReport } from './text.js';
import type { BatchItem, createPgBatchWriter } from './writes.js';

/** Reports written per transaction at most. */
const MAX_BATCH = 500;
/** Batches in flight at once per instance: while one waits on the network the next one fills. */
const MAX_IN_FLIGHT = 2;
/** A deadlock with another instance's batch (rare: locks are taken in order) is retried whole. */
const RETRIES = 5;

interface Pending extends BatchItem {
  resolve: (r: IngestResult | null) => void;
  reject: (e: unknown) => void;
}

export interface PgGroupCommit {
  enqueue(report: PreparedReport, eventId?: string): Promise<IngestResult | null>;
  /** Resolves when nothing is queued or being written. */
  drain(): Promise<void>;
}

export function createPgGroupCommit(pool: Pool, writeBatch: ReturnType<typeof createPgBatchWriter>, alertTrigger?: AlertTrigger): PgGroupCommit {
  const queue: Pending[] = [];
  let inFlight = 0;
  let scheduled = false;
  let idle: Array<() => void> = [];

  async function commit(batch: Pending[]): Promise<Array<IngestResult | null>> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await withAlertTrigger(pool, alertTrigger, (c, alerts) => writeBatch(c, batch, alerts));
      } catch (err) {
        if (!isRetryable(err) || attempt >= RETRIES) throw err;
      }
    }
  }

  async function flush(batch: Pending[]): Promise<void> {
    try {
      const results = await commit(batch);
      batch.forEach((p, i) => p.resolve(results[i] ?? null));
    } catch (err) {
      const failure = unavailable(err);
      if (failure !== err || batch.length === 1) {
        for (const p of batch) p.reject(failure);
        return;
      }
      // One bad report must not fail its neighbours: each alone, so only the culprit fails.
      await Promise.all(
        batch.map(async (p) => {
          try {
            p.resolve((await commit([p]))[0] ?? null);
          } catch (e) {
            p.reject(unavailable(e));
          }
        }),
      );
    }
  }

  function pump(): void {
    scheduled = false;
    while (inFlight < MAX_IN_FLIGHT && queue.length > 0) {
      const batch = queue.splice(0, MAX_BATCH);
      inFlight++;
      void flush(batch).finally(() => {
        inFlight--;
        if (queue.length > 0) pump();
        else if (inFlight === 0) for (const w of idle.splice(0)) w();
      });
    }
  }

  return {
    enqueue(report, eventId) {
      return new Promise((resolve, reject) => {
        queue.push({ report: storableReport(report), eventId, resolve, reject });
        // The first report of a quiet moment waits one turn of the event loop for company.
        if (!scheduled && inFlight < MAX_IN_FLIGHT) {
          scheduled = true;
          setImmediate(pump);
        }
      });
    },
    drain() {
      if (queue.length === 0 && inFlight === 0) return Promise.resolve();
      return new Promise((resolve) => idle.push(resolve));
    },
  };
}
