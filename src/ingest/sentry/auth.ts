// Where a Sentry SDK puts its public key: query string, X-Sentry-Auth, Authorization, or the envelope dsn (pure).
import { errors } from '../../errors.js';

/** `Sentry sentry_key=abc, sentry_version=7, ...` (the word Sentry in any case). */
export function keyFromAuthHeader(value: unknown): string | undefined {
  return authParam(value, 'sentry_key');
}

/** One `name=value` part of a `Sentry ...` auth header, or undefined. */
function authParam(value: unknown, name: string): string | undefined {
  if (typeof value !== 'string') return undefined;
  const m = /^\s*sentry\s+(.*)$/is.exec(value);
  if (!m) return undefined;
  for (const pair of m[1]!.split(',')) {
    const eq = pair.indexOf('=');
    if (eq < 0) continue;
    if (pair.slice(0, eq).trim() === name) return pair.slice(eq + 1).trim() || undefined;
  }
  return undefined;
}

/**
 * The client the request names (`sentry_client=raven-js/3.22.1`, in the query or an auth header):
 * legacy SDKs identify themselves only there, not in the event's `sdk`.
 */
export function clientFromRequest(query: Record<string, unknown>, headers: Record<string, unknown>): string | undefined {
  const fromQuery = typeof query.sentry_client === 'string' && query.sentry_client !== '' ? query.sentry_client : undefined;
  return fromQuery ?? authParam(headers['x-sentry-auth'], 'sentry_client') ?? authParam(headers.authorization, 'sentry_client');
}

/** `name/version` as Sentry's `sdk` object (Relay fills a missing `sdk` the same way). */
export function sdkOfClient(client: string | undefined): { name: string; version?: string } | undefined {
  if (client === undefined) return undefined;
  const slash = client.lastIndexOf('/');
  if (slash <= 0) return { name: client };
  return { name: client.slice(0, slash), version: client.slice(slash + 1) || undefined };
}

/** The public key of a DSN (its URL user name), or undefined. */
export function keyFromDsn(dsn: unknown): string | undefined {
  if (typeof dsn !== 'string') return undefined;
  try {
    return new URL(dsn).username || undefined;
  } catch {
    return undefined;
  }
}

/**
 * The key from the HTTP-level forms; they must agree when several are present (Relay rejects
 * conflicts, and so do we). Undefined when none is present: the envelope's dsn is then the only one.
 */
export function keyFromRequest(query: Record<string, unknown>, headers: Record<string, unknown>): string | undefined {
  const queryKey = typeof query.sentry_key === 'string' ? query.sentry_key : undefined;
  const found = [queryKey, keyFromAuthHeader(headers['x-sentry-auth']), keyFromAuthHeader(headers.authorization)].filter(
    (k): k is string => k !== undefined && k !== '',
  );
  if (new Set(found).size > 1) throw errors.sentryAuthConflict();
  return found[0];
}
