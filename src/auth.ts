// Key checks: constant-time for the operator key, ingest keys resolved through the store; keys never reach a log.
import { hash, timingSafeEqual } from 'node:crypto';
import type { ApiToken, Project, Store } from './store/types.js';

const digest = (s: string) => hash('sha256', s, 'buffer');

/** Compares digests so that neither the content nor the length of the key leaks through timing. */
export function keyMatches(given: unknown, expected: string): boolean {
  return keyChecker(expected)(given);
}

/** keyMatches for one expected key, whose digest is taken once rather than on every request. */
export function keyChecker(expected: string): (given: unknown) => boolean {
  const expectedDigest = digest(expected);
  return (given) => typeof given === 'string' && given.length > 0 && timingSafeEqual(digest(given), expectedDigest);
}

/**
 * Whether a request's X-Api-Key is the operator key, digested once per request however often asked
 * (the rate limit asks before the key hook does).
 */
export function operatorRequestChecker(operatorKey: string): (request: { headers: Record<string, unknown> }) => boolean {
  const isOperatorKey = keyChecker(operatorKey);
  const checked = new WeakMap<object, boolean>();
  return (request) => {
    let known = checked.get(request);
    if (known === undefined) {
      known = isOperatorKey(request.headers['x-api-key']);
      checked.set(request, known);
    }
    return known;
  };
}

/**
 * What a key may do: the operator everything, an ingest key only submit errors to its project, an
 * API token (upload, agent) only its kind's routes for its projects.
 */
export type Principal = { kind: 'operator' } | { kind: 'ingest'; project: Project } | { kind: 'token'; token: ApiToken };

/** Whether a principal may act on a project: the operator on all, a token on its own (or all if it names none). */
export function mayActOn(principal: Principal | undefined, project: string): boolean {
  if (!principal) return false;
  if (principal.kind === 'operator') return true;
  if (principal.kind === 'ingest') return principal.project.name === project;
  return principal.token.projects === null || principal.token.projects.includes(project);
}

/** The token of `Authorization: Bearer <token>` (how sentry-cli and MCP clients send theirs), or undefined. */
export function bearerToken(header: unknown): string | undefined {
  if (typeof header !== 'string') return undefined;
  const m = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header);
  return m ? m[1] : undefined;
}

/** Ingest keys are 32 lowercase hex characters; anything else is never looked up. */
export const INGEST_KEY = /^[0-9a-f]{32}$/;

/** Resolves a presented key to a principal, or null when it is nobody's. */
export function createAuthenticator(operatorKey: string, store: Pick<Store, 'findProjectByKey'>) {
  const isOperatorKey = keyChecker(operatorKey);
  return async (given: unknown, { operatorAllowed = true } = {}): Promise<Principal | null> => {
    if (typeof given !== 'string' || given === '') return null;
    if (operatorAllowed && isOperatorKey(given)) return { kind: 'operator' };
    if (!INGEST_KEY.test(given)) return null;
    const project = await store.findProjectByKey(given);
    return project ? { kind: 'ingest', project } : null;
  };
}

export type Authenticator = ReturnType<typeof createAuthenticator>;
