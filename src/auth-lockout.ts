// Failed-authentication lockout per client IP: after too many failures in a window, further failures get 429.
/**
 * Keys are long and random, so guessing one is hopeless either way; what the lockout stops is one
 * client hammering the key checks and the security log. A valid key is always served (a NAT may
 * hide an attacker and a legitimate client behind one address), so only failures are refused.
 */
export interface AuthLockoutOptions {
  now: () => Date;
  /** Failures allowed per window; the next ones are refused with 429 until the window ends. */
  maxFailures?: number;
  windowMs?: number;
  /** Addresses tracked at once: bounds memory against a flood from many addresses. */
  maxTracked?: number;
}

export interface FailureVerdict {
  /** Failures from this address in the current window, this one included. */
  failures: number;
  /** Seconds until the window ends when the address is locked out, else null. */
  lockedForSeconds: number | null;
}

export interface AuthLockout {
  /** Counts a failed authentication from `ip` and says whether the address is now locked out. */
  fail(ip: string): FailureVerdict;
  /** Addresses currently tracked (for tests and metrics). */
  size(): number;
}

interface Window {
  startedAt: number;
  failures: number;
}

export const AUTH_MAX_FAILURES = 10;
export const AUTH_WINDOW_MS = 60_000;
export const AUTH_MAX_TRACKED = 10_000;

export function createAuthLockout({
  now,
  maxFailures = AUTH_MAX_FAILURES,
  windowMs = AUTH_WINDOW_MS,
  maxTracked = AUTH_MAX_TRACKED,
}: AuthLockoutOptions): AuthLockout {
  // A Map iterates in insertion order, and an address is re-inserted when its window restarts,
  // so the first entries are always the oldest windows: pruning stops at the first live one.
  const windows = new Map<string, Window>();

  const prune = (at: number) => {
    for (const [ip, w] of windows) {
      if (at - w.startedAt < windowMs && windows.size < maxTracked) break;
      windows.delete(ip);
    }
  };

  return {
    fail(ip) {
      const at = now().getTime();
      let w = windows.get(ip);
      if (w === undefined || at - w.startedAt >= windowMs) {
        windows.delete(ip);
        prune(at);
        w = { startedAt: at, failures: 0 };
        windows.set(ip, w);
      }
      w.failures += 1;
      const locked = w.failures > maxFailures;
      return {
        failures: w.failures,
        lockedForSeconds: locked ? Math.max(1, Math.ceil((w.startedAt + windowMs - at) / 1000)) : null,
      };
    },
    size: () => windows.size,
  };
}
