// The store's triage shapes (issue 18): group status, sorts, ignore conditions, triage actions, users and release activity.
export type GroupStatus = 'unresolved' | 'resolved' | 'ignored';
export type ListSort = 'last_seen' | 'first_seen' | 'count' | 'users';

/** What wakes an ignored group; none of them: ignored until reopened by hand. */
export interface IgnoreCondition {
  /** ISO 8601 UTC: the first occurrence from then on. */
  until?: string;
  /** The group's count at which it wakes (the count when ignored plus N). */
  untilCount?: number;
  /** The group's users figure at which it wakes (the figure when ignored plus U). */
  untilUsers?: number;
}

export type TriageAction =
  | { action: 'resolve'; inRelease?: string }
  | { action: 'ignore'; untilCount?: number; until?: string; untilUsers?: number }
  | { action: 'reopen' };

export type TriageOutcome =
  | { ok: true; changed: number[]; missing: number[] }
  | { ok: false; reason: 'unknown_release' | 'no_release'; project: string };

export interface GroupUsers {
  total: number;
  /** Users whose last report arrived in the last 24 hours. */
  last24h: number;
  /** False once past the exact cap: both figures are estimates. */
  exact: boolean;
}

export interface ReleaseActivity {
  /** Groups first seen in the release. */
  newGroups: number;
  /** Occurrences that named it (of the groups still kept). */
  events: number;
  /** Groups it reopened. */
  regressions: number;
}
