// The messages between the main thread and the ingest writer thread (writer-thread.ts, writer-worker.ts).
import type { AppErrorData } from '../errors.js';
import type { NativeSubmission } from '../ingest/accept.js';
import type { IngestResult, PreparedReport } from './types.js';

export interface WriterData {
  databasePath: string;
  /** SCRUB_FIELDS: the writer runs the pipeline for native reports. */
  scrubFields: string[];
  /** One Int32: 0 while open, 1 once the writer closed cleanly, 2 if closing failed. */
  closed: Int32Array;
}

/**
 * Native reports cross as their JSON text (one string: the cheapest thing to copy between threads)
 * and are parsed and prepared by the writer; Sentry events arrive prepared, with their event id.
 */
export type QueuedWrite = { id: number; native: NativeSubmission } | { id: number; report: PreparedReport; eventId: string };

export type ToWriter = { type: 'writes'; writes: QueuedWrite[] } | { type: 'close' };

export interface WriterOutcome {
  id: number;
  result?: IngestResult | null;
  /** A native report's prepared form, for a new group or a regression only (alerts need it). */
  report?: PreparedReport;
  /** The catalogue's 400/403 for a bad native report. */
  rejected?: AppErrorData;
  /** A storage failure; the code (SQLITE_FULL, ...) decides the status. */
  error?: { name: string; message: string; code?: string };
}

export type FromWriter = { type: 'ready' } | { type: 'written'; outcomes: WriterOutcome[] } | { type: 'closed'; error?: string };
