// Key checks: constant-time for the operator key, ingest keys resolved through the store; keys never reach a log.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Project, Store } from './store/types.js';

const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest();

/** Compares digests so that neither the content nor the length of the key leaks through timing. */
export function keyMatches(given: unknown, expected: string): boolean {
  if (typeof given !== 'string' || given.length === 0) return false;
  return timingSafeEqual(digest(given), digest(expected));
}

/** What a key may do: the operator everything, an ingest key only submit errors to its project. */
export type Principal = { kind: 'operator' } | { kind: 'ingest'; project: Project };

/** Ingest keys are 32 lowercase hex characters; anything else is never looked up. */
export const INGEST_KEY = /^[0-9a-f]{32}$/;

/** Resolves a presented key to a principal, or null when it is nobody's. */
export function createAuthenticator(operatorKey: string, store: Pick<Store, 'findProjectByKey'>) {
  return async (given: unknown, { operatorAllowed = true } = {}): Promise<Principal | null> => {
    if (typeof given !== 'string' || given === '') return null;
    if (operatorAllowed && keyMatches(given, operatorKey)) return { kind: 'operator' };
    if (!INGEST_KEY.test(given)) return null;
    const project = await store.findProjectByKey(given);
    return project ? { kind: 'ingest', project } : null;
  };
}

export type Authenticator = ReturnType<typeof createAuthenticator>;
