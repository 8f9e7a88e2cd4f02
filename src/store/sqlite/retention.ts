// Retention: old hourly counts and long-resolved groups deleted in small batches between requests, freed pages given back.
import type { CleanupResult, Store } from '../types.js';
import type { Db } from './open-database.js';
import { refreshPlannerStatistics } from './planner-statistics.js';

/**
 * Retention works in transactions this small so that a report waits a few milliseconds at most.
 * A group takes up to 5 occurrences and 14 days of hourly counts with it.
 */
const GROUPS_PER_CLEANUP_BATCH = 100;
const COUNTS_PER_CLEANUP_BATCH = 2000;
const PAGES_PER_VACUUM_STEP = 512;

export function createRetention(db: Db): Pick<Store, 'cleanup'> {
  const stmt = {
    deleteResolved: db.prepare<[string, number]>(`
      DELETE FROM errors WHERE id IN (
        SELECT id FROM errors WHERE resolved = 1 AND resolved_at < ? ORDER BY id LIMIT ?)`),
    // From a cursor on error_id, so each batch does not rescan the recent counts of groups already done.
    deleteOldCounts: db.prepare<[number, string, number], { error_id: number }>(`
      DELETE FROM error_hourly_counts WHERE (error_id, hour) IN (
        SELECT error_id, hour FROM error_hourly_counts WHERE error_id >= ? AND hour < ?
        ORDER BY error_id, hour LIMIT ?)
      RETURNING error_id`),
    // Alerts that are settled (delivered or given up, or held into a summary); their deliveries cascade.
    deleteOldAlerts: db.prepare<[string, number]>(`
      DELETE FROM alert_outbox WHERE id IN (
        SELECT id FROM alert_outbox WHERE created_at < ? AND state IN ('done', 'held') ORDER BY created_at LIMIT ?)`),
    freePages: db.prepare<[], { freelist_count: number }>('PRAGMA freelist_count'),
  };

  return {
    async cleanup({ resolvedBefore, hourlyCountsBefore, signal }) {
      const result: CleanupResult = { groupsDeleted: 0, hourlyCountsDeleted: 0, pagesFreed: 0 };
      // Counts first: afterwards each deleted group cascades to at most 14 days of them.
      let cursor = 0;
      for (;;) {
        if (signal?.aborted) return result;
        const deleted = stmt.deleteOldCounts.all(cursor, hourlyCountsBefore, COUNTS_PER_CLEANUP_BATCH);
        if (deleted.length === 0) break;
        result.hourlyCountsDeleted += deleted.length;
        cursor = Math.max(cursor, ...deleted.map((r) => r.error_id));
        await nextTurn();
      }
      // The outbox keeps settled alerts as long as the hourly counts: what was sent, and when.
      for (;;) {
        if (signal?.aborted) return result;
        const { changes } = stmt.deleteOldAlerts.run(hourlyCountsBefore, COUNTS_PER_CLEANUP_BATCH);
        if (changes === 0) break;
        result.alertsDeleted = (result.alertsDeleted ?? 0) + changes;
        await nextTurn();
      }
      while (resolvedBefore !== null) {
        if (signal?.aborted) return result;
        const { changes } = stmt.deleteResolved.run(resolvedBefore, GROUPS_PER_CLEANUP_BATCH);
        if (changes === 0) break;
        result.groupsDeleted += changes;
        await nextTurn();
      }
      // auto_vacuum = INCREMENTAL only marks pages free; this gives them back, a step at a time.
      const before = stmt.freePages.get()!.freelist_count;
      for (let free = before; free > 0; ) {
        if (signal?.aborted) break;
        db.exec(`PRAGMA incremental_vacuum(${PAGES_PER_VACUUM_STEP})`);
        const left = stmt.freePages.get()!.freelist_count;
        if (left >= free) break;
        free = left;
        await nextTurn();
      }
      result.pagesFreed = before - stmt.freePages.get()!.freelist_count;
      // In WAL mode the file shrinks only when the checkpoint copies the shrinking commit back.
      if (result.pagesFreed > 0) db.pragma('wal_checkpoint(PASSIVE)');
      refreshPlannerStatistics(db, 'periodic');
      return result;
    },
  };
}

/** Lets queued requests (and their group commits) run between two cleanup batches. */
function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
