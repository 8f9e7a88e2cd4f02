// Spike protection: each project's quotas (its own, or the global default), the check on ingest, and counted drops.
import { errors } from '../errors.js';
import type { Logger } from '../logger.js';
import { hourKey } from '../store/hour-key.js';
import type { QuotaOverride, QuotaStore } from '../store/types.js';
import { createMemoryQuotaCounter, type QuotaCounter, type QuotaLimits } from './window-counter.js';

export interface QuotasDeps {
  /** QUOTA_EVENTS_PER_MINUTE and QUOTA_EVENTS_PER_HOUR; 0 is no limit. */
  defaults: QuotaLimits;
  store: QuotaStore;
  logger: Logger;
  now: () => Date;
  counter?: QuotaCounter;
}

export interface Quotas {
  /**
   * Undefined when the project's event may be stored (and it is counted); else a promise that
   * rejects with the catalogue's 429 once the drop is recorded in the database.
   */
  check(project: string): Promise<void> | undefined;
  /** What applies to the project, and what it sets itself (null: the default). */
  of(project: string): { limits: QuotaLimits; override: QuotaOverride };
  setOverride(project: string, override: QuotaOverride): Promise<void>;
}

const NO_OVERRIDE: QuotaOverride = Object.freeze({ perMinute: null, perHour: null });

export async function createQuotas({ defaults, store, logger, now, counter = createMemoryQuotaCounter() }: QuotasDeps): Promise<Quotas> {
  const overrides = await store.loadQuotaOverrides();
  const limitsOf = (project: string): QuotaLimits => {
    const o = overrides.get(project);
    return o ? { perMinute: o.perMinute ?? defaults.perMinute, perHour: o.perHour ?? defaults.perHour } : defaults;
  };

  async function refuse(project: string, retryAfterSeconds: number, window: 'minute' | 'hour', first: boolean, at: Date): Promise<never> {
    if (first) logger.warn({ event: 'quota_exceeded', project, window }, 'project over its quota: its events are refused with 429 and counted');
    await store.recordDropped(project, hourKey(at.toISOString()));
    throw errors.quotaExceeded(project, retryAfterSeconds, window);
  }

  return {
    check(project) {
      const limits = limitsOf(project);
      if (limits.perMinute === 0 && limits.perHour === 0) return undefined;
      const at = now();
      const admission = counter.admit(project, limits, at.getTime());
      if (admission instanceof Promise) {
        return admission.then((a) => (a.ok ? undefined : refuse(project, a.retryAfterSeconds, a.window, a.first, at)));
      }
      return admission.ok ? undefined : refuse(project, admission.retryAfterSeconds, admission.window, admission.first, at);
    },

    of(project) {
      return { limits: limitsOf(project), override: overrides.get(project) ?? NO_OVERRIDE };
    },

    async setOverride(project, override) {
      await store.setQuotaOverride(project, override);
      if (override.perMinute === null && override.perHour === null) overrides.delete(project);
      else overrides.set(project, { ...override });
    },
  };
}
