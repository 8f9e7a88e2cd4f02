// The alert throttle when several instances share one database: each decision is taken on the state as committed, under the store's cluster-wide lock.
import type { AlertStateStore, AlertThrottleState, HeldAlerts } from '../store/types.js';
import { AlertThrottle, type Decision, type ThrottledAlert, type ThrottleLimits } from './throttle.js';

export interface SharedThrottle {
  offer(alert: ThrottledAlert, now: Date): Promise<Decision>;
  takeDigest(now: Date): Promise<HeldAlerts | null>;
  fold(alert: ThrottledAlert | null, carried: HeldAlerts | null, now: Date): Promise<void>;
}

/**
 * Null for a store one process uses alone (SQLite): the in-memory throttle decides, saved after.
 * Otherwise cooldowns, the hourly cap and the held-back summary are one state for the cluster:
 * one alert per group, one summary, whichever instance decides. `mirror` receives the state after
 * each decision, so the caller can time the next digest from it.
 */
export function sharedThrottle(store: AlertStateStore, limits: ThrottleLimits, mirror: (t: AlertThrottle) => void): SharedThrottle | null {
  const update = store.updateAlertState?.bind(store);
  if (!update) return null;
  const run = <T>(fn: (t: AlertThrottle) => T): Promise<T> =>
    update((state: AlertThrottleState) => {
      const t = new AlertThrottle(limits, state);
      const result = fn(t);
      mirror(t);
      return { state: t.snapshot(), result };
    });
  return {
    offer: (alert, now) => run((t) => t.offer(alert, now)),
    takeDigest: (now) => run((t) => t.takeDigest(now)),
    fold: (alert, carried, now) => run((t) => t.fold(alert, carried, now)),
  };
}
