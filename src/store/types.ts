// The store's interface: coarse operations only, so nothing outside src/store knows it is SQLite.

export type Source = 'browser' | 'server';

/** A report after the ingest pipeline: validated, scrubbed, parsed and fingerprinted. */
export interface PreparedReport {
  fingerprint: string;
  project: string;
  exceptionType: string;
  message: string;
  traceback: string;
  file: string;
  line: number | null;
  function: string;
  source: Source;
  /** ISO 8601 UTC. */
  timestamp: string;
  requestUrl: string | null;
  requestMethod: string | null;
  requestHeaders: Record<string, unknown> | null;
  userId: string | null;
  extra: Record<string, unknown> | null;
  release: string | null;
  environment: string | null;
}

export interface IngestResult {
  id: number;
  fingerprint: string;
  count: number;
  /** A new group. */
  created: boolean;
  /** A resolved group that received a new occurrence and was reopened. */
  regression: boolean;
}

/**
 * Called after a report is committed (e.g. to decide on alerts). Must return at once and never throw:
 * whatever it starts runs in the background, off the request path.
 */
export type IngestListener = (result: IngestResult, report: PreparedReport) => void;

export interface ErrorSummary {
  id: number;
  fingerprint: string;
  project: string;
  exceptionType: string;
  message: string;
  count: number;
  firstSeen: string;
  lastSeen: string;
  resolved: boolean;
  resolvedAt: string | null;
  source: Source;
  file: string;
  line: number | null;
  function: string;
  release: string | null;
  environment: string | null;
}

export interface ErrorGroup extends ErrorSummary {
  traceback: string;
}

export interface Occurrence {
  timestamp: string;
  message: string;
  requestUrl: string | null;
  requestMethod: string | null;
  requestHeaders: Record<string, unknown> | null;
  userId: string | null;
  extra: Record<string, unknown> | null;
  release: string | null;
  environment: string | null;
}

export interface HourlyCount {
  errorId: number;
  /** 'YYYY-MM-DDTHH:00:00Z' */
  hour: string;
  count: number;
}

export interface ListQuery {
  project?: string;
  resolved?: boolean;
  source?: Source;
  /** Substring of the exception type or message, case-insensitive. */
  search?: string;
  limit: number;
  offset: number;
}

export interface Store {
  /** Durable when the promise resolves: the reply may acknowledge the report. */
  ingest(report: PreparedReport): Promise<IngestResult>;
  listErrors(query: ListQuery): Promise<{ errors: ErrorSummary[]; total: number }>;
  getError(id: number): Promise<{ error: ErrorGroup; occurrences: Occurrence[] } | null>;
  /** False when there is no such group. */
  setResolved(id: number, resolved: boolean): Promise<boolean>;
  listProjects(): Promise<string[]>;
  /**
   * Occurrences per hour of the given groups, from `fromHour` to `toHour` inclusive
   * (hours as 'YYYY-MM-DDTHH:00:00Z'), in one read for a whole page; hours without any are absent.
   */
  hourlyCounts(errorIds: number[], fromHour: string, toHour: string): Promise<HourlyCount[]>;
  close(): void;
}
