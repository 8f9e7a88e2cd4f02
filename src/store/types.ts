// The store's interface: coarse operations only, so nothing outside src/store knows it is SQLite.
import type { EventDetails } from '../ingest/event/types.js';

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
  /** JSON of requestHeaders and extra when the pipeline already made it (measuring them against the limits): the store writes it as is. */
  requestHeadersJson?: string | null;
  extraJson?: string | null;
  /** Everything else the client sent (user, tags, breadcrumbs, contexts, chain...), scrubbed and capped. */
  details: EventDetails | null;
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
 * Called after every committed report (a resend of a stored event id is not passed on); alerts act
 * on `created` and `regression`, the live stream on every change.
 * Must return at once and never throw: whatever it starts runs in the background, off the request path.
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
  details: EventDetails | null;
}

/** How often each value of one tag was seen in a group (the top values; the rest counted as other). */
export interface TagDistribution {
  key: string;
  total: number;
  values: Array<{ value: string; count: number }>;
  other: number;
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
  /** Groups that saw each of these (key, value) pairs; key `user` matches user.id or user.email. */
  tags?: Array<[string, string]>;
  limit: number;
  offset: number;
}

export interface CleanupPolicy {
  /** Resolved groups whose resolved_at is before this ISO instant are deleted; null keeps them all. */
  resolvedBefore: string | null;
  /** Hourly counts of hours before this ISO instant are deleted, for every group. */
  hourlyCountsBefore: string;
  /** Checked between batches: a shutdown does not wait for a whole cleanup. */
  signal?: AbortSignal;
}

export interface CleanupResult {
  groupsDeleted: number;
  hourlyCountsDeleted: number;
  /** Free pages given back to the file system afterwards. */
  pagesFreed: number;
}

export interface Project {
  /** Numeric, for Sentry DSNs. */
  id: number;
  name: string;
  /** 32 lowercase hex characters; may only submit errors to this project. */
  ingestKey: string;
  createdAt: string;
}

/** A project as the projects list shows it (no event total: that sum reads every group). */
export interface ProjectSummary extends Project {
  groups: number;
  unresolved: number;
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
  getError(id: number): Promise<{ error: ErrorGroup; occurrences: Occurrence[]; tags: TagDistribution[] } | null>;
  /** False when there is no such group. */
  setResolved(id: number, resolved: boolean): Promise<boolean>;
  listProjects(): Promise<string[]>;
  /** Every project with its key and group counts, in one read. */
  listProjectSummaries(): Promise<ProjectSummary[]>;
  /** Retention: deletes in small transactions, letting ingestion in between, then returns freed space. */
  cleanup(policy: CleanupPolicy): Promise<CleanupResult>;
  /** Resolves when a real, committed write succeeded just now; rejects with the storage error otherwise. */
  probeWrite(): Promise<void>;
  getProject(name: string): Promise<ProjectDetails | null>;
  /** Null when a project of that name exists already. */
  createProject(name: string): Promise<Project | null>;
  /** Replaces the ingest key; the old one stops working at once. Null for an unknown project. */
  rotateIngestKey(name: string): Promise<Project | null>;
  findProjectByKey(ingestKey: string): Promise<Project | null>;
  /**
   * Occurrences per hour of the given groups, from `fromHour` to `toHour` inclusive
   * (hours as 'YYYY-MM-DDTHH:00:00Z'), in one read for a whole page; hours without any are absent.
   */
  hourlyCounts(errorIds: number[], fromHour: string, toHour: string): Promise<HourlyCount[]>;
  /** Writes whatever is queued, checkpoints and closes; synchronous, so it is safe in a crash handler. */
  close(): void;
}

export type AlertKind = 'new' | 'regression';

/** One alert the throttle held back, kept as an example for the summary. */
export interface HeldSample {
  kind: AlertKind;
  groupId: number;
  project: string;
  exceptionType: string;
  message: string;
  /** ISO 8601 UTC. */
  at: string;
}

/** What the throttle held back since the last alert that went out. */
export interface HeldAlerts {
  newCount: number;
  regressionCount: number;
  since: string;
  /** The earliest time one of them could have gone out on its own. */
  dueAt: string;
  samples: HeldSample[];
}

/** The alert throttle's memory; small (bounded by what was sent in the last hour or cooldown). */
export interface AlertThrottleState {
  /** Fingerprint -> when it last alerted (ISO 8601 UTC). */
  cooldowns: Record<string, string>;
  /** When alerts went out, oldest first. */
  sentAt: string[];
  held: HeldAlerts | null;
}

/** Persists the alert throttle, next to Store and on the same database. */
export interface AlertStateStore {
  loadAlertState(): Promise<AlertThrottleState>;
  /** Replaces the saved state whole, in one transaction. */
  saveAlertState(state: AlertThrottleState): Promise<void>;
  /**
   * Stores that several instances share (PostgreSQL): runs `decide` on the state as committed under
   * a cluster-wide lock and saves what it returns in the same transaction. Absent where one process
   * owns the state (SQLite), which decides in memory and saves after.
   */
  updateAlertState?<T>(decide: (state: AlertThrottleState) => { state: AlertThrottleState; result: T }): Promise<T>;
}

/** A project's own quotas: null follows the global default, 0 is no limit. */
export interface QuotaOverride {
  perMinute: number | null;
  perHour: number | null;
}

export interface DroppedCount {
  project: string;
  /** 'YYYY-MM-DDTHH:00:00Z' */
  hour: string;
  count: number;
}

/** Spike protection's persistent side (migration 008), next to Store and on the same database. */
export interface QuotaStore {
  /** Every project that has quotas of its own. */
  loadQuotaOverrides(): Promise<Map<string, QuotaOverride>>;
  setQuotaOverride(project: string, quota: QuotaOverride): Promise<void>;
  /** Durable when the promise resolves: a 429 is answered only for a drop that is counted. */
  recordDropped(project: string, hour: string): Promise<void>;
  /** Per project and hour from `fromHour` on; with the all-time totals per project. */
  droppedCounts(fromHour: string): Promise<{ hours: DroppedCount[]; totals: Map<string, number> }>;
}

/** A release of a project: created through the release API (sentry-cli, bundler plugins) or first seen on an event. */
export interface ReleaseRecord {
  project: string;
  version: string;
  /** ISO 8601 UTC. */
  createdAt: string;
  createdBy: 'api' | 'event';
  finalizedAt: string | null;
}

export interface DeployRecord {
  id: number;
  project: string;
  version: string;
  environment: string;
  name: string | null;
  url: string | null;
  startedAt: string | null;
  finishedAt: string;
}

/** Releases and deploys (migration 011), next to Store and on the same database. */
export interface ReleaseStore {
  /**
   * Creates the release if it is new (createdBy 'api' wins over an earlier 'event' record, taking its
   * createdAt when given), and sets finalizedAt when given; returns the record as stored.
   */
  recordRelease(input: { project: string; version: string; createdAt?: string; createdBy: 'api' | 'event'; finalizedAt?: string | null }): Promise<ReleaseRecord>;
  getRelease(project: string, version: string): Promise<ReleaseRecord | null>;
  /** Records a deploy, creating its release if it is new. */
  addDeploy(input: Omit<DeployRecord, 'id'>): Promise<DeployRecord>;
  listDeploys(project: string, version: string): Promise<DeployRecord[]>;
  /** Newest first: by createdAt. */
  listReleaseRecords(project: string, limit: number): Promise<ReleaseRecord[]>;
}

export type TokenKind = 'upload' | 'agent';

/** A token other than the operator key, as stored (the token itself is never stored, only its SHA-256). */
export interface ApiToken {
  id: number;
  kind: TokenKind;
  name: string;
  /** The first characters of the token, to tell tokens apart in a list. */
  prefix: string;
  /** The projects it may act on; null for all. */
  projects: string[] | null;
  /** Upload: ['upload']; agent: ['read'] or ['read', 'triage']. */
  scopes: string[];
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

/** API tokens (migration 011), next to Store and on the same database. */
export interface TokenStore {
  /** Returns the record and the token itself, which is shown once and never again. */
  createToken(input: { kind: TokenKind; name: string; projects: string[] | null; scopes: string[] }): Promise<{ token: string; record: ApiToken }>;
  /** Revoked tokens included, newest first. */
  listTokens(kind?: TokenKind): Promise<ApiToken[]>;
  /** False when there is no such token or it was revoked already. */
  revokeToken(id: number): Promise<boolean>;
  /** The live (not revoked) token a presented string is, or null; records when it was last used. */
  findToken(presented: string): Promise<ApiToken | null>;
}
