// When a resolved or ignored group comes back: which of a batch's reports reopens it, if any (pure).
import type { PreparedReport } from './types.js';

/** A group's state before the batch, as the write's RETURNING read it. */
export interface GroupState {
  resolved: boolean;
  /** Resolved in this release: only an occurrence of a newer one reopens the group. */
  resolvedIn: string | null;
  ignored: boolean;
  /** ISO 8601 UTC: the first occurrence from then on wakes the group. */
  ignoreUntil: string | null;
  /** The group's count at which it wakes. */
  ignoreUntilCount: number | null;
  /** The group's users figure at which it wakes. */
  ignoreUntilUsers: number | null;
}

/**
 * The index of the report that reopens (resolved) or wakes (ignored) the group, or -1 when it stays
 * as it is. `before` is the count before the batch, `users` the users figure after it, `isNewer`
 * tells whether a release is newer than `resolvedIn`. Ignored without a condition never wakes.
 */
export function wakingReport(s: GroupState, reports: PreparedReport[], before: number, users: number, now: string, isNewer: (release: string) => boolean): number {
  if (s.resolved) {
    if (s.resolvedIn === null) return 0;
    // An occurrence without a release cannot be placed after the resolving one: it does not reopen.
    return reports.findIndex((r) => r.release !== null && r.release !== s.resolvedIn && isNewer(r.release));
  }
  if (!s.ignored) return -1;
  const at: number[] = [];
  if (s.ignoreUntil !== null && now >= s.ignoreUntil) at.push(0);
  if (s.ignoreUntilCount !== null && before + reports.length >= s.ignoreUntilCount) at.push(Math.max(0, s.ignoreUntilCount - before - 1));
  if (s.ignoreUntilUsers !== null && users >= s.ignoreUntilUsers) at.push(reports.length - 1);
  return at.length ? Math.min(...at) : -1;
}
