// The grouping contract of DESIGN.md: md5_hex("{project}:{exception_type}:{file}:{line}") (pure).
import { hash } from 'node:crypto';

/** Stands, in a client's fingerprint override, for the default `type:file:line` part (Sentry's spelling). */
const DEFAULT_PLACEHOLDER = /^\{\{\s*default\s*\}\}$/;

/**
 * Leads the hashed text of a client fingerprint: a new encoding gets a new tag, and no text of one
 * version reads as another's.
 */
const CLIENT_ENCODING = 'client-fingerprint/2';

export interface GroupingInput {
  project: string;
  exceptionType: string;
  /** The crash frame's file, '' when the trace had no usable frame. */
  file: string;
  line: number | null;
  /** Set only for a minified crash frame without a map (grouping/minified.ts): its column joins the key. */
  column?: number | null;
  /** The client's override: a string or a list of parts. */
  override?: string | readonly string[] | undefined;
}

/** One-shot hash (Node 20.12+): a third of the cost of a Hash object for a key this short. */
export function md5Hex(text: string): string {
  return hash('md5', text, 'hex');
}

/**
 * `type:file:line`, the spec's key; a minified frame's column is appended as `:col=N`, which no
 * ordinary key can end with (they end in a line number or an empty one), so the two never meet.
 */
export function defaultGroupingKey(exceptionType: string, file: string, line: number | null, column: number | null = null): string {
  const key = `${exceptionType}:${file}:${line ?? ''}`;
  return column === null ? key : `${key}:col=${column}`;
}

export function fingerprint(input: GroupingInput): string {
  const parts = input.override === undefined ? [] : typeof input.override === 'string' ? [input.override] : [...input.override];
  // `{{ default }}` alone is the default grouping, and so is its fingerprint.
  if (parts.length === 0 || (parts.length === 1 && DEFAULT_PLACEHOLDER.test(parts[0]!))) {
    const key = defaultGroupingKey(input.exceptionType, input.file, input.line, input.column ?? null);
    // The spec's text, byte for byte: every stored fingerprint of an ordinary group stays valid.
    // It is ambiguous where a project name holds ':' (`shop` + `web:E` reads as `shop:web` + `E`):
    // the store files a group under its project only, whatever the hash (see store/group-key.ts).
    return md5Hex(`${input.project}:${key}`);
  }
  return md5Hex(clientFingerprintText(input, parts));
}

/**
 * The hashed text of a client fingerprint: JSON of [tag, project, ...parts], with `{{ default }}` as
 * an object of its three fields. JSON quotes every string, so no two inputs give the same text (a
 * project `shop` with the part `web:x` can no longer meet project `shop:web` with `x`).
 */
export function clientFingerprintText(input: GroupingInput, parts: readonly string[]): string {
  const where = input.column == null ? [input.exceptionType, input.file, input.line] : [input.exceptionType, input.file, input.line, input.column];
  const encoded = parts.map((p) => (DEFAULT_PLACEHOLDER.test(p) ? { default: where } : p));
  return JSON.stringify([CLIENT_ENCODING, input.project, ...encoded]);
}
