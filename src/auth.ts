// Key checks: constant-time, whatever the lengths, and the key never leaves this module in a log.
import { createHash, timingSafeEqual } from 'node:crypto';

const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest();

/** Compares digests so that neither the content nor the length of the key leaks through timing. */
export function keyMatches(given: unknown, expected: string): boolean {
  if (typeof given !== 'string' || given.length === 0) return false;
  return timingSafeEqual(digest(given), digest(expected));
}
