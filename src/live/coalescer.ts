// Coalesces committed reports into at most one batch per interval: the ingest hot path only updates a map.
import { cutText, LIMITS } from '../ingest/limits.js';
import type { IngestResult, PreparedReport } from '../store/types.js';
import type { ChangeBatch, GroupChange } from './types.js';

/** IngestResult may carry the group's distinct users (where the store counts them). */
type ResultWithUsers = IngestResult & { users?: number };

interface Pending {
  result: ResultWithUsers;
  report: PreparedReport;
  created: boolean;
  regression: boolean;
  firstSeen: string;
  lastSeen: string;
}

export interface CoalescerOptions {
  /** The shortest time between two batches. */
  intervalMs: number;
  /** Distinct groups one batch carries; past it the batch says `more`. */
  maxGroups: number;
  onBatch: (batch: ChangeBatch) => void;
}

export interface Coalescer {
  /** The IngestListener: one map update, a timer armed at most once per interval; never throws. */
  note(result: IngestResult, report: PreparedReport): void;
  /** Sends what is pending now (shutdown, tests). */
  flush(): void;
  close(): void;
}

export function createCoalescer({ intervalMs, maxGroups, onBatch }: CoalescerOptions): Coalescer {
  let pending = new Map<number, Pending>();
  let more = false;
  let timer: NodeJS.Timeout | undefined;
  let lastFlush = 0;
  let closed = false;

  const flush = (force = false) => {
    timer = undefined;
    if (pending.size === 0 && !more) return;
    // The timer's clock is the event loop's, read at the start of a busy turn: it can fire early.
    const early = lastFlush + intervalMs - Date.now();
    if (!force && early > 0) {
      timer = setTimeout(flush, early);
      return;
    }
    const batch = pending;
    const overflow = more;
    pending = new Map();
    more = false;
    lastFlush = Date.now();
    const groups: GroupChange[] = [];
    for (const p of batch.values()) groups.push(toChange(p));
    // `at` is the instant the spacing is kept from (wall time: an app under a test clock still spaces by it).
    onBatch({ groups, more: overflow, at: new Date(lastFlush).toISOString() });
  };

  return {
    note(result, report) {
      if (closed) return;
      const seen = pending.get(result.id);
      if (seen === undefined) {
        if (pending.size >= maxGroups) more = true;
        else pending.set(result.id, { result, report, created: result.created, regression: result.regression, firstSeen: report.timestamp, lastSeen: report.timestamp });
      } else {
        // Group commit may hand results over out of order: the highest count is the latest.
        if (result.count >= seen.result.count) seen.result = result;
        if (report.timestamp > seen.lastSeen) seen.lastSeen = report.timestamp;
        if (report.timestamp < seen.firstSeen) seen.firstSeen = report.timestamp;
        seen.created ||= result.created;
        seen.regression ||= result.regression;
      }
      if (timer === undefined) timer = setTimeout(flush, Math.max(0, lastFlush + intervalMs - Date.now()));
    },
    flush() {
      clearTimeout(timer);
      flush(true);
    },
    close() {
      closed = true;
      clearTimeout(timer);
      timer = undefined;
      pending.clear();
    },
  };
}

function toChange({ result, report, created, regression, firstSeen, lastSeen }: Pending): GroupChange {
  const change: GroupChange = { id: result.id, project: report.project, count: result.count, last_seen: lastSeen, new: created, regression };
  if (result.users !== undefined) change.users = result.users;
  if (created || regression) {
    change.exception_type = report.exceptionType;
    change.message = report.message.length > LIMITS.listExcerpt.max ? cutText(report.message, LIMITS.listExcerpt.max) : report.message;
    change.source = report.source;
    change.file = report.file;
    change.line = report.line;
    if (created) change.first_seen = firstSeen;
  }
  return change;
}
