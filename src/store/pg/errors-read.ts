// One error group on PostgreSQL: read with its kept occurrences and tags, resolved or reopened, and its hourly counts.
import type { GroupUsers, HourlyCount, Store } from '../types.js';
import type { Pool } from './pool.js';
import { SUMMARY_COLUMNS, toOccurrence, toSummary, type OccurrenceRow, type SummaryRow } from './rows.js';
import { readTagDistributions } from './tags.js';
import { inRetriedTransaction, lockGroups } from './triage.js';

export interface PgErrorReaderDeps {
  now: () => Date;
  usersOf: (id: number) => Promise<GroupUsers>;
}

export function createPgErrorReader(pool: Pool, { now, usersOf }: PgErrorReaderDeps): Pick<Store, 'getError' | 'setResolved' | 'hourlyCounts'> {
  return {
    async getError(id) {
      const [group, occurrences, tags, users] = await Promise.all([
        pool.query<SummaryRow & { traceback: string }>({
          name: 'e_group',
          text: `SELECT ${SUMMARY_COLUMNS}, coalesce((SELECT traceback FROM error_tracebacks WHERE error_id = errors.id), '') AS traceback
            FROM errors WHERE id = $1`,
          values: [id],
        }),
        pool.query<OccurrenceRow>({
          name: 'e_occurrences',
          text: `SELECT timestamp, message, request_url, request_method, request_headers, user_id, extra, release, environment, details
            FROM error_occurrences WHERE error_id = $1 ORDER BY timestamp DESC, seq DESC`,
          values: [id],
        }),
        readTagDistributions(pool, id),
        usersOf(id),
      ]);
      const row = group.rows[0];
      if (!row) return null;
      return { error: { ...toSummary(row), traceback: row.traceback }, occurrences: occurrences.rows.map(toOccurrence), tags, users };
    },

    async setResolved(id, resolved) {
      // Under the group's lock, as triage: a batch writing the group meanwhile sees it before or after.
      // Either way the group is no longer ignored nor resolved in a release (triage.ts sets those).
      return inRetriedTransaction(pool, async (c) => {
        await lockGroups(c, [id]);
        const r = await c.query({
          name: 'e_resolve',
          text: `UPDATE errors SET resolved = $1, resolved_at = $2, resolved_in = NULL,
            ignored = false, ignore_until = NULL, ignore_until_count = NULL, ignore_until_users = NULL WHERE id = $3`,
          values: [resolved, resolved ? now().toISOString() : null, id],
        });
        return (r.rowCount ?? 0) > 0;
      });
    },

    async hourlyCounts(errorIds, fromHour, toHour): Promise<HourlyCount[]> {
      if (errorIds.length === 0) return [];
      const { rows } = await pool.query<{ error_id: number; hour: string; count: number }>({
        name: 'e_hours',
        text: 'SELECT error_id, hour, count FROM error_hourly_counts WHERE error_id = ANY($1::bigint[]) AND hour >= $2 AND hour <= $3',
        values: [errorIds, fromHour, toHour],
      });
      return rows.map((r) => ({ errorId: r.error_id, hour: r.hour, count: r.count }));
    },
  };
}
