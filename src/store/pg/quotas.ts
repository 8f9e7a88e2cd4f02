// Spike protection on PostgreSQL: quotas, dropped counts, and the admissions counted in the database so that a quota holds across instances.
import type { Admission, QuotaCounter } from '../../quota/window-counter.js';
import type { DroppedCount, QuotaStore } from '../types.js';
import { unavailable, type Pool } from './pool.js';

const MINUTE_MS = 60_000;
const HOUR_MS = 3_600_000;

interface Waiter<T> {
  resolve: (v: T) => void;
  reject: (e: unknown) => void;
}

/** Collects calls of one turn of the event loop by key; `run` gets each key's waiters once. */
function batcher<T>(run: (batch: Map<string, Waiter<T>[]>) => Promise<void>) {
  let pending = new Map<string, Waiter<T>[]>();
  let scheduled = false;
  return (key: string) =>
    new Promise<T>((resolve, reject) => {
      const list = pending.get(key);
      if (list) list.push({ resolve, reject });
      else pending.set(key, [{ resolve, reject }]);
      if (scheduled) return;
      scheduled = true;
      setImmediate(() => {
        scheduled = false;
        const batch = pending;
        pending = new Map();
        run(batch).catch((err: unknown) => {
          // PostgreSQL down: the request is answered 503 like a write.
          for (const ws of batch.values()) for (const w of ws) w.reject(unavailable(err));
        });
      });
    });
}

export function createPgQuotaStore(pool: Pool): QuotaStore {
  // Drops of one turn share one statement, keyed by project and hour; durable before the 429.
  const drop = batcher<void>(async (batch) => {
    const pairs = [...batch.keys()].sort().map((k) => JSON.parse(k) as [string, string]);
    await pool.query({
      name: 'q_drop',
      text: `INSERT INTO dropped_events (project, hour, count) SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[])
        ON CONFLICT (project, hour) DO UPDATE SET count = dropped_events.count + excluded.count`,
      values: [pairs.map((p) => p[0]), pairs.map((p) => p[1]), pairs.map((p) => batch.get(JSON.stringify(p))!.length)],
    });
    for (const ws of batch.values()) for (const w of ws) w.resolve();
  });

  return {
    async loadQuotaOverrides() {
      const { rows } = await pool.query<{ project: string; per_minute: number | null; per_hour: number | null }>('SELECT project, per_minute, per_hour FROM project_quotas');
      return new Map(rows.map((r) => [r.project, { perMinute: r.per_minute, perHour: r.per_hour }]));
    },
    async setQuotaOverride(project, quota) {
      if (quota.perMinute === null && quota.perHour === null) await pool.query('DELETE FROM project_quotas WHERE project = $1', [project]);
      else
        await pool.query(
          `INSERT INTO project_quotas (project, per_minute, per_hour) VALUES ($1, $2, $3)
           ON CONFLICT (project) DO UPDATE SET per_minute = excluded.per_minute, per_hour = excluded.per_hour`,
          [project, quota.perMinute, quota.perHour],
        );
    },
    recordDropped(project, hour) {
      return drop(JSON.stringify([project, hour]));
    },
    async droppedCounts(fromHour) {
      const [hours, totals] = await Promise.all([
        pool.query<DroppedCount>('SELECT project, hour, count FROM dropped_events WHERE hour >= $1 ORDER BY project, hour', [fromHour]),
        pool.query<{ project: string; total: number }>('SELECT project, sum(count)::bigint AS total FROM dropped_events GROUP BY project'),
      ]);
      return { hours: hours.rows, totals: new Map(totals.rows.map((r) => [r.project, r.total])) };
    },
  };
}

/**
 * The quota windows counted in the database: the requests of one turn of the event loop are
 * admitted together, per project, by one call of quota_admit (migration 008), which locks the
 * project's two windows, admits as many as both have room for, and counts them. Exact across
 * instances; a lost count after a crash only lets a few more through, so it commits asynchronously.
 */
export function createPgQuotaCounter(pool: Pool): QuotaCounter {
  const refusedIn = new Map<string, number>();
  const admit = batcher<Admission>(async (batch) => {
    for (const [key, waiters] of batch) {
      const { project, perMinute, perHour, nowMs } = JSON.parse(key) as { project: string; perMinute: number; perHour: number; nowMs: number };
      const minute = Math.floor(nowMs / MINUTE_MS);
      const hour = Math.floor(nowMs / HOUR_MS);
      const { rows } = await pool.query<{ admitted: number; full: string | null }>({
        name: 'q_admit',
        text: 'SELECT admitted, "full" FROM quota_admit($1, $2, $3, $4, $5, $6, $7, $8)',
        values: [project, `m${minute}`, (minute + 1) * MINUTE_MS, perMinute, `h${hour}`, (hour + 1) * HOUR_MS, perHour, waiters.length],
      });
      const { admitted, full } = rows[0]!;
      waiters.forEach((w, i) => {
        if (i < admitted) return w.resolve({ ok: true });
        const window = full === 'hour' ? 'hour' : 'minute';
        const ends = window === 'hour' ? (hour + 1) * HOUR_MS : (minute + 1) * MINUTE_MS;
        const windowId = window === 'hour' ? -hour - 1 : minute;
        const first = refusedIn.get(project) !== windowId;
        refusedIn.set(project, windowId);
        w.resolve({ ok: false, retryAfterSeconds: Math.max(1, Math.ceil((ends - nowMs) / 1000)), window, first });
      });
    }
  });
  return {
    admit(project, limits, nowMs) {
      // Keyed by the second, so one turn's requests share a call and a window.
      const second = Math.floor(nowMs / 1000) * 1000;
      return admit(JSON.stringify({ project, perMinute: limits.perMinute, perHour: limits.perHour, nowMs: second }));
    },
  };
}
