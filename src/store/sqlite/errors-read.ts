// One error group: read with its kept occurrences and tags, resolved or reopened, and its hourly counts for the trend.
import type { GroupUsers, HourlyCount, Store } from '../types.js';
import type { Db } from './open-database.js';
import { SUMMARY_COLUMNS, toOccurrence, toSummary, type GroupRow, type OccurrenceRow } from './rows.js';
import type { createTagStore } from './tags.js';

export interface ErrorReaderDeps {
  now: () => Date;
  tagStore: ReturnType<typeof createTagStore>;
  /** Refuses a write the file the next start opens would not hold (index.ts). */
  throwIfMoved: () => void;
  usersOf: (id: number) => GroupUsers;
}

export function createErrorReader(db: Db, { now, tagStore, throwIfMoved, usersOf }: ErrorReaderDeps): Pick<Store, 'getError' | 'setResolved' | 'hourlyCounts'> {
  const stmt = {
    getGroup: db.prepare<[number], GroupRow>(`
      SELECT ${SUMMARY_COLUMNS}, coalesce((SELECT traceback FROM error_tracebacks WHERE error_id = errors.id), '') AS traceback
      FROM errors WHERE id = ?`),
    occurrences: db.prepare<[number], OccurrenceRow>(`
      SELECT timestamp, message, request_url, request_method, request_headers, user_id, extra, release, environment, details
      FROM error_occurrences WHERE error_id = ? ORDER BY timestamp DESC, seq DESC`),
    // Either way the group is no longer ignored nor resolved in a release (triage.ts sets those).
    setResolved: db.prepare(`UPDATE errors SET resolved = ?, resolved_at = ?, resolved_in = NULL,
      ignored = 0, ignore_until = NULL, ignore_until_count = NULL, ignore_until_users = NULL WHERE id = ?`),
    // The ids travel as one JSON array, so a whole page is one prepared statement and one read.
    hourlyCounts: db.prepare<[string, string, string], { error_id: number; hour: string; count: number }>(`
      SELECT error_id, hour, count FROM error_hourly_counts
      WHERE error_id IN (SELECT value FROM json_each(?)) AND hour >= ? AND hour <= ?`),
  };

  return {
    async getError(id) {
      const row = stmt.getGroup.get(id);
      if (!row) return null;
      const users = usersOf(id);
      // The figure in memory is newer than the stored one for a few seconds (triage-writes.ts).
      const error = { ...toSummary(row), traceback: row.traceback, users: users.total };
      return { error, occurrences: stmt.occurrences.all(id).map(toOccurrence), tags: tagStore.distributions(id), users };
    },

    async setResolved(id, resolved) {
      const changed = stmt.setResolved.run(resolved ? 1 : 0, resolved ? now().toISOString() : null, id).changes > 0;
      throwIfMoved();
      return changed;
    },

    async hourlyCounts(errorIds, fromHour, toHour): Promise<HourlyCount[]> {
      if (errorIds.length === 0) return [];
      return stmt.hourlyCounts
        .all(JSON.stringify(errorIds), fromHour, toHour)
        .map((r) => ({ errorId: r.error_id, hour: r.hour, count: r.count }));
    },
  };
}
