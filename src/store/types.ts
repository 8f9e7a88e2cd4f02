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

export interface ListQuery {
  project?: string;
  resolved?: boolean;
  source?: Source;
  /** Substring of the exception type or message, case-insensitive. */
  search?: string;
  limit: number;
  offset: number;
}

export interface Project {
  /** Numeric, for Sentry DSNs. */
  id: number;
  name: string;
  /** 32 lowercase hex characters; may only submit errors to this project. */
  ingestKey: string;
  createdAt: string;
}

export interface ProjectDetails extends Project {
  /** Groups, unresolved groups, and occurrences over all groups. */
  groups: number;
  unresolved: number;
  events: number;
}

export interface Store {
  /** Durable when the promise resolves: the reply may acknowledge the report. */
  ingest(report: PreparedReport): Promise<IngestResult>;
  /**
   * Like ingest, for a report that carries a client event id: null when the project already stored
   * that id (a resend), in which case nothing is written. The id is recorded in the same transaction.
   */
  ingestEvent(report: PreparedReport, eventId: string): Promise<IngestResult | null>;
  listErrors(query: ListQuery): Promise<{ errors: ErrorSummary[]; total: number }>;
  getError(id: number): Promise<{ error: ErrorGroup; occurrences: Occurrence[] } | null>;
  /** False when there is no such group. */
  setResolved(id: number, resolved: boolean): Promise<boolean>;
  listProjects(): Promise<string[]>;
  getProject(name: string): Promise<ProjectDetails | null>;
  /** Null when a project of that name exists already. */
  createProject(name: string): Promise<Project | null>;
  /** Replaces the ingest key; the old one stops working at once. Null for an unknown project. */
  rotateIngestKey(name: string): Promise<Project | null>;
  findProjectByKey(ingestKey: string): Promise<Project | null>;
  close(): void;
}
