// The store's interface: coarse operations only, so nothing outside src/store knows it is SQLite.
import type { EventDetails } from '../ingest/event/types.js';
import type { GroupStatus, GroupUsers, IgnoreCondition, ListSort, ReleaseActivity, TriageAction, TriageOutcome } from './triage-types.js';

export type { GroupStatus, GroupUsers, IgnoreCondition, ListSort, ReleaseActivity, TriageAction, TriageOutcome } from './triage-types.js';

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
  /** A resolved group that received a new occurrence and was reopened, or an ignored one that woke up. */
  regression: boolean;
  /** The group's distinct users (estimated past the exact cap) after this report. */
  users?: number;
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
  /** The release of the group's first occurrence that named one. */
  firstRelease: string | null;
  /** Distinct users (estimated past USERS_EXACT_CAP). */
  users: number;
  status: GroupStatus;
  /** Resolved in this release: only a newer one's occurrence reopens. */
  resolvedIn: string | null;
  /** What wakes an ignored group (null when not ignored). */
  ignore: IgnoreCondition | null;
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
  /** Absent: every group but the ignored ones. */
  status?: GroupStatus | 'all';
  /** Absent: last_seen. Always newest (largest) first. */
  sort?: ListSort;
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
  /** Settled alerts of the outbox (absent: none). */
  alertsDeleted?: number;
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
  getError(id: number): Promise<{ error: ErrorGroup; occurrences: Occurrence[]; tags: TagDistribution[]; users: GroupUsers } | null>;
  /** Resolves (plain or in a release), ignores or reopens groups, in one transaction (triage.ts). */
  triage(ids: number[], action: TriageAction): Promise<TriageOutcome>;
  /** New groups, events and regressions of each of a project's releases. */
  releaseActivity(project: string, versions: string[]): Promise<Map<string, ReleaseActivity>>;
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

// The other stores' shapes live beside this file, by concern; re-exported so callers import from one place.
export type * from './alert-types.js';
export type * from './release-types.js';
export type * from './artifact-types.js';
