// Where a fingerprint already names another project's group: the fingerprint this project's group is filed under instead (pure).
import { hash } from 'node:crypto';

/**
 * Fingerprints are hashes of what clients send, so two projects can arrive at the same one (a
 * project name holding ':' makes the spec's default key ambiguous; MD5 collides on purpose too).
 * A group belongs to one project only: the second project's group is stored under this derived
 * fingerprint, the same for every report of that project, so it groups on; `attempt` counts on in
 * the (vanishing) case that the derived one is taken as well.
 */
export function projectScopedFingerprint(fingerprint: string, project: string, attempt: number): string {
  return hash('md5', JSON.stringify(['project-scoped/1', project, fingerprint, attempt]), 'hex');
}

/** Derived fingerprints tried before the write fails (each is a fresh hash: one is all it ever takes). */
export const SCOPED_ATTEMPTS = 8;
