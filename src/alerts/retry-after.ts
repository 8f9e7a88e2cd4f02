// Retry-After (RFC 9110 section 10.2.3): delay-seconds or an HTTP date, as milliseconds from now.

/** Longest wait a receiver may ask for that is honoured as such; the retry window caps it anyway. */
const MAX_MS = 24 * 3_600_000;

export function retryAfterMs(header: string | null | undefined, now: Date): number | undefined {
  if (!header) return undefined;
  const v = header.trim();
  if (/^\d+$/.test(v)) return Math.min(Number(v) * 1000, MAX_MS);
  const at = Date.parse(v);
  if (Number.isNaN(at)) return undefined;
  return Math.min(Math.max(at - now.getTime(), 0), MAX_MS);
}
