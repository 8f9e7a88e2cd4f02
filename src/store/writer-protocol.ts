// The messages between the main thread and the ingest writer thread (writer-thread.ts, writer-worker.ts).
import type { AppErrorData } from '../errors.js';
import type { NativeSubmission, SentrySubmission } from '../ingest/accept.js';
import type { IngestResult, PreparedReport } from './types.js';

export interface WriterData {
  databasePath: string;
  /** SCRUB_FIELDS: the writer runs the pipeline for native reports. */
  scrubFields: string[];
  /** One Int32: 0 while open, 1 once the writer closed cleanly, 2 if closing failed. */
  closed: Int32Array;
}

/**
 * Reports cross as their JSON text (one string: the cheapest thing to copy between threads) and
 * are parsed and prepared by the writer.
 */
export type QueuedWrite = { id: number; native: NativeSubmission } | { id: number; sentry: SentrySubmission };

export type ToWriter = { type: 'writes'; writes: QueuedWrite[] } | { type: 'close' };

export interface WriterOutcome {
  id: number;
  result?: IngestResult | null;
  /** The prepared report, for a new group or a regression only (alerts need it). */
  report?: PreparedReport;
  /** A Sentry event's id, as stored and answered to the SDK. */
  eventId?: string;
  /** The catalogue's 400/403 for a bad report. */
  rejected?: AppErrorData;
  /** A storage failure; the code (SQLITE_FULL, ...) decides the status. */
  error?: { name: string; message: string; code?: string };
}

export type FromWriter = { type: 'ready' } | { type: 'written'; outcomes: WriterOutcome[] } | { type: 'closed'; error?: string };
