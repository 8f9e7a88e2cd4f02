// The messages between the main thread and the ingest writer thread (writer-thread.ts, writer-worker.ts).
import type { IngestResult, PreparedReport } from './types.js';

export interface WriterData {
  databasePath: string;
  /** One Int32: 0 while open, 1 once the writer closed cleanly, 2 if closing failed. */
  closed: Int32Array;
}

export interface QueuedReport {
  id: number;
  report: PreparedReport;
  eventId?: string;
}

export type ToWriter = { type: 'reports'; reports: QueuedReport[] } | { type: 'close' };

export interface WriterOutcome {
  id: number;
  result?: IngestResult | null;
  error?: { name: string; message: string; code?: string };
}

export type FromWriter = { type: 'ready' } | { type: 'written'; outcomes: WriterOutcome[] } | { type: 'closed'; error?: string };
