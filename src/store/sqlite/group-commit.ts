// Group commit: reports arriving in the same turn of the event loop share one transaction (and one fsync); each caller is answered only after that commit.
import type { IngestResult, PreparedReport } from '../types.js';
import type { BatchItem } from './writes.js';

/** Reports written per transaction at most; more wait for the next flush. */
const MAX_BATCH = 500;

interface Pending extends BatchItem {
  resolve: (r: IngestResult | null) => void;
  reject: (e: unknown) => void;
}

export interface GroupCommit {
  enqueue(report: PreparedReport, eventId?: string): Promise<IngestResult | null>;
  /** Writes whatever is queued now (it was not acknowledged yet): before closing, rather than drop it. */
  drain(): void;
}

/**
 * `writeBatch` writes one batch in one transaction; `fileMoved` says why a committed write is not in
 * the file the next start will open, or null (file-identity.ts).
 */
export function createGroupCommit(
  writeBatch: (batch: BatchItem[]) => Array<IngestResult | null>,
  fileMoved: () => Error | null,
): GroupCommit {
  let queue: Pending[] = [];
  let flushScheduled = false;

  function flush(): void {
    flushScheduled = false;
    const batch = queue.splice(0, MAX_BATCH);
    if (queue.length > 0) scheduleFlush();
    let results: Array<IngestResult | null>;
    try {
      results = writeBatch(batch);
    } catch {
      // One bad report must not fail its neighbours: retry each alone, so only the culprit fails.
      const outcomes = batch.map((p) => {
        try {
          return { result: writeBatch([p])[0] ?? null };
        } catch (err) {
          return { err };
        }
      });
      const moved = fileMoved();
      batch.forEach((p, i) => {
        const o = outcomes[i]!;
        if (moved || 'err' in o) p.reject(moved ?? o.err);
        else p.resolve(o.result);
      });
      return;
    }
    // Committed is not yet acknowledged: only if the path still names the file written to.
    const moved = fileMoved();
    if (moved) batch.forEach((p) => p.reject(moved));
    else batch.forEach((p, i) => p.resolve(results[i] ?? null));
  }

  function scheduleFlush(): void {
    if (flushScheduled) return;
    flushScheduled = true;
    setImmediate(flush);
  }

  function enqueue(report: PreparedReport, eventId?: string): Promise<IngestResult | null> {
    return new Promise<IngestResult | null>((resolve, reject) => {
      queue.push({ report, eventId, resolve, reject });
      scheduleFlush();
    });
  }

  return {
    enqueue,
    drain() {
      while (queue.length > 0) flush();
    },
  };
}
