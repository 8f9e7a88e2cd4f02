// Text for PostgreSQL: it refuses U+0000 in text, which SQLite and JSON accept; such a character is stored as U+FFFD.
import type { PreparedReport } from '../types.js';

export function pgText(s: string): string;
export function pgText(s: string | null): string | null;
export function pgText(s: string | null): string | null {
  return s !== null && s.includes('\0') ? s.replaceAll('\0', '\uFFFD') : s;
}

const FIELDS = ['fingerprint', 'project', 'exceptionType', 'message', 'traceback', 'file', 'function', 'requestUrl', 'requestMethod', 'userId', 'release', 'environment'] as const;

/** The report with every text field storable; the same object when nothing needs changing (nearly always). */
export function storableReport(r: PreparedReport): PreparedReport {
  let copy: PreparedReport | null = null;
  for (const f of FIELDS) {
    const v = r[f] as string | null;
    if (typeof v === 'string' && v.includes('\0')) (copy ??= { ...r })[f] = pgText(v) as never;
  }
  return copy ?? r;
}
