// The SQLite side of spike protection (migration 008): project quotas, and dropped events counted per hour in a group commit.
import type { Db } from './open-database.js';
import type { DroppedCount, QuotaOverride, QuotaStore } from '../types.js';

interface PendingDrop {
  resolve: () => void;
  reject: (e: unknown) => void;
}

export function createSqliteQuotaStore(db: Db): QuotaStore {
  const stmt = {
    overrides: db.prepare<[], { project: string; per_minute: number | null; per_hour: number | null }>('SELECT project, per_minute, per_hour FROM project_quotas'),
    setOverride: db.prepare<[string, number | null, number | null]>(`
      INSERT INTO project_quotas (project, per_minute, per_hour) VALUES (?, ?, ?)
      ON CONFLICT (project) DO UPDATE SET per_minute = excluded.per_minute, per_hour = excluded.per_hour`),
    clearOverride: db.prepare<[string]>('DELETE FROM project_quotas WHERE project = ?'),
    addDropped: db.prepare<[string, string, number]>(`
      INSERT INTO dropped_events (project, hour, count) VALUES (?, ?, ?)
      ON CONFLICT (project, hour) DO UPDATE SET count = count + excluded.count`),
    droppedSince: db.prepare<[string], DroppedCount>('SELECT project, hour, count FROM dropped_events WHERE hour >= ? ORDER BY project, hour'),
    droppedTotals: db.prepare<[], { project: string; total: number }>('SELECT project, sum(count) AS total FROM dropped_events GROUP BY project'),
  };

  // A flood over quota is answered in 429s; each is counted before it is answered, and the counts
  // of one turn of the event loop share one transaction (one fsync), keyed by project and hour.
  let pending = new Map<string, { project: string; hour: string; waiters: PendingDrop[] }>();
  let scheduled = false;

  const write = db.transaction((batch: Array<{ project: string; hour: string; waiters: PendingDrop[] }>) => {
    for (const b of batch) stmt.addDropped.run(b.project, b.hour, b.waiters.length);
  });

  function flush(): void {
    scheduled = false;
    const batch = [...pending.values()];
    pending = new Map();
    try {
      write.immediate(batch);
    } catch (err) {
      for (const b of batch) for (const w of b.waiters) w.reject(err);
      return;
    }
    for (const b of batch) for (const w of b.waiters) w.resolve();
  }

  return {
    async loadQuotaOverrides() {
      return new Map(stmt.overrides.all().map((r) => [r.project, { perMinute: r.per_minute, perHour: r.per_hour }]));
    },

    async setQuotaOverride(project, quota: QuotaOverride) {
      if (quota.perMinute === null && quota.perHour === null) stmt.clearOverride.run(project);
      else stmt.setOverride.run(project, quota.perMinute, quota.perHour);
    },

    recordDropped(project, hour) {
      return new Promise<void>((resolve, reject) => {
        // JSON of the pair: no project name can make two pairs one key.
        const key = JSON.stringify([project, hour]);
        const entry = pending.get(key);
        if (entry) entry.waiters.push({ resolve, reject });
        else pending.set(key, { project, hour, waiters: [{ resolve, reject }] });
        if (!scheduled) {
          scheduled = true;
          setImmediate(flush);
        }
      });
    },

    async droppedCounts(fromHour) {
      return {
        hours: stmt.droppedSince.all(fromHour),
        totals: new Map(stmt.droppedTotals.all().map((r) => [r.project, r.total])),
      };
    },
  };
}
