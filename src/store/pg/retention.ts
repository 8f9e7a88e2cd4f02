// Retention on PostgreSQL: one instance at a time (an advisory lock), small transactions, nothing held between them.
import type { CleanupResult, Store } from '../types.js';
import type { Pool } from './pool.js';

const GROUPS_PER_CLEANUP_BATCH = 100;
const COUNTS_PER_CLEANUP_BATCH = 2000;
/** "ETRK" and 2: held by the instance that is cleaning up; the others skip their turn. */
export const RETENTION_LOCK = (0x4554524b0002n).toString();

export function createPgRetention(pool: Pool, { now }: { now: () => Date }): Pick<Store, 'cleanup'> {
  return {
    async cleanup({ resolvedBefore, hourlyCountsBefore, signal }) {
      const result: CleanupResult = { groupsDeleted: 0, hourlyCountsDeleted: 0, pagesFreed: 0 };
      // A session lock on a connection of its own; each batch below is its own short transaction.
      const lockHolder = await pool.connect();
      let broken = false;
      try {
        const { rows } = await lockHolder.query<{ got: boolean }>('SELECT pg_try_advisory_lock($1) AS got', [RETENTION_LOCK]);
        if (!rows[0]!.got) return result; // another instance is cleaning up now
        try {
          let cursor = 0;
          for (;;) {
            if (signal?.aborted) return result;
            const deleted = await pool.query<{ error_id: number }>({
              name: 'r_counts',
              text: `DELETE FROM error_hourly_counts WHERE (error_id, hour) IN (
                  SELECT error_id, hour FROM error_hourly_counts WHERE error_id >= $1 AND hour < $2 ORDER BY error_id, hour LIMIT $3)
                RETURNING error_id`,
              values: [cursor, hourlyCountsBefore, COUNTS_PER_CLEANUP_BATCH],
            });
            if (deleted.rows.length === 0) break;
            result.hourlyCountsDeleted += deleted.rows.length;
            cursor = Math.max(cursor, ...deleted.rows.map((r) => r.error_id));
          }
          // Settled alerts (delivered, given up, or held into a summary) go with the counts of their time; deliveries cascade.
          for (;;) {
            if (signal?.aborted) return result;
            const deleted = await pool.query({
              name: 'r_alerts',
              text: `DELETE FROM alert_outbox WHERE id IN (
                  SELECT id FROM alert_outbox WHERE created_at < $1 AND state IN ('done', 'held') ORDER BY created_at LIMIT $2)`,
              values: [hourlyCountsBefore, COUNTS_PER_CLEANUP_BATCH],
            });
            if (!deleted.rowCount) break;
            result.alertsDeleted = (result.alertsDeleted ?? 0) + deleted.rowCount;
          }
          while (resolvedBefore !== null) {
            if (signal?.aborted) return result;
            const deleted = await pool.query({
              name: 'r_groups',
              text: 'DELETE FROM errors WHERE id IN (SELECT id FROM errors WHERE resolved AND resolved_at < $1 ORDER BY id LIMIT $2)',
              values: [resolvedBefore, GROUPS_PER_CLEANUP_BATCH],
            });
            if (!deleted.rowCount) break;
            result.groupsDeleted += deleted.rowCount;
          }
          // Ended quota windows (PostgreSQL only: SQLite counts them in memory).
          await pool.query({ name: 'r_quota', text: 'DELETE FROM quota_windows WHERE ends_at < $1', values: [now().getTime()] });
          // Space is given back by autovacuum: pagesFreed stays 0 here.
          return result;
        } finally {
          await lockHolder.query('SELECT pg_advisory_unlock($1)', [RETENTION_LOCK]).catch(() => (broken = true));
        }
      } finally {
        lockHolder.release(broken);
      }
    },
  };
}
