// Events admitted per project in fixed minute and hour windows, in memory: the cheap check on every report.

/** Events per window; 0 is no limit. */
export interface QuotaLimits {
  perMinute: number;
  perHour: number;
}

export type Admission =
  | { ok: true }
  /** `first`: the first refusal of this project in this window (logged once, not per event). */
  | { ok: false; retryAfterSeconds: number; window: 'minute' | 'hour'; first: boolean };

/**
 * Counts admissions per project. In process today; several instances on PostgreSQL will need one
 * counted in the database (an UPSERT per window), hence the interface, which may answer a promise.
 */
export interface QuotaCounter {
  /** Counts the event if both windows have room; otherwise counts nothing and says for how long. */
  admit(project: string, limits: QuotaLimits, nowMs: number): Admission | Promise<Admission>;
}

/** The in-process counter answers at once. */
export interface MemoryQuotaCounter extends QuotaCounter {
  admit(project: string, limits: QuotaLimits, nowMs: number): Admission;
}

interface Windows {
  minute: number;
  inMinute: number;
  hour: number;
  inHour: number;
  /** The window last refused in, so its first refusal can be told apart. */
  refusedIn: number;
}

const MINUTE_MS = 60_000;
const HOUR_MS = 3_600_000;
/** Past this many projects, entries of past hours are dropped before a new one is added. */
const PRUNE_ABOVE = 10_000;

/**
 * Fixed windows aligned to the clock's minutes and hours: two integers per project and a division
 * per check. A burst straddling a boundary can get up to twice a window's quota in a short span;
 * spike protection bounds sustained floods, which is what the hour window does.
 */
export function createMemoryQuotaCounter(): MemoryQuotaCounter {
  const byProject = new Map<string, Windows>();

  return {
    admit(project, limits, nowMs) {
      const minute = Math.floor(nowMs / MINUTE_MS);
      const hour = Math.floor(nowMs / HOUR_MS);
      let w = byProject.get(project);
      if (!w) {
        if (byProject.size >= PRUNE_ABOVE) for (const [p, old] of byProject) if (old.hour < hour) byProject.delete(p);
        w = { minute, inMinute: 0, hour, inHour: 0, refusedIn: -1 };
        byProject.set(project, w);
      }
      if (w.minute !== minute) {
        w.minute = minute;
        w.inMinute = 0;
      }
      if (w.hour !== hour) {
        w.hour = hour;
        w.inHour = 0;
      }
      const hourFull = limits.perHour > 0 && w.inHour >= limits.perHour;
      const minuteFull = limits.perMinute > 0 && w.inMinute >= limits.perMinute;
      if (hourFull || minuteFull) {
        // The longest of the full windows: retrying earlier would only be refused again.
        const ends = hourFull ? (hour + 1) * HOUR_MS : (minute + 1) * MINUTE_MS;
        const window = hourFull ? 'hour' : 'minute';
        const windowId = hourFull ? -hour - 1 : minute;
        const first = w.refusedIn !== windowId;
        w.refusedIn = windowId;
        return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil((ends - nowMs) / 1000)), window, first };
      }
      w.inMinute++;
      w.inHour++;
      return { ok: true };
    },
  };
}
