// An occurrence's EventDetails to and from its column: JSON text, or deflated JSON when that pays.
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import type { EventDetails } from '../ingest/event/types.js';

/**
 * Below this, JSON is stored as text: a row of up to ~4 KB stays on its leaf page (see 006), and
 * compressing a small value costs more CPU than the page it cannot save. Above it (breadcrumbs,
 * long chains with context lines) deflate at its fastest level usually saves two thirds.
 */
export const COMPRESS_FROM_BYTES = 3 * 1024;
/** Kept compressed only when it saves at least this share. */
const MIN_SAVING = 0.25;

export function encodeDetails(details: EventDetails | null | undefined): string | Buffer | null {
  // Undefined from callers built before details existed (the benchmark's seed): nothing to keep.
  if (details == null) return null;
  const json = JSON.stringify(details);
  if (json.length < COMPRESS_FROM_BYTES) return json;
  const packed = deflateRawSync(json, { level: 1 });
  return packed.length <= json.length * (1 - MIN_SAVING) ? packed : json;
}

export function decodeDetails(value: unknown): EventDetails | null {
  try {
    if (typeof value === 'string') return JSON.parse(value) as EventDetails;
    if (Buffer.isBuffer(value)) return JSON.parse(inflateRawSync(value).toString('utf8')) as EventDetails;
  } catch {
    // A row this version cannot read shows without details rather than failing the whole page.
  }
  return null;
}
