// Length caps on every text the store keeps, each with its reason, and the cuts that apply them (pure).
import type { PreparedReport } from '../store/types.js';

/**
 * In characters (UTF-16 code units, as JavaScript counts; UTF-8 on disk is at most three bytes each).
 * A report is cut to these after grouping, so a fingerprint never depends on where a cut fell. The
 * README's Security > Limits table states them; test/ingest/limits.test.ts checks both agree.
 */
export const LIMITS = {
  project: { max: 100, why: 'a name in URLs, lists and alert subjects (longer is refused with 400)' },
  exceptionType: { max: 200, why: 'a class name; Sentry events are cut, native reports refused with 400' },
  message: { max: 8_192, why: "Sentry's own cap; stored twice (group, occurrence) and indexed for search by trigrams" },
  traceback: { max: 262_144, why: 'a native report under the default body limit keeps it whole; beyond, head and tail (the crash frame) stay' },
  file: { max: 1_024, why: 'the crash frame\'s path or URL (query stripped); longer is an inline or generated script' },
  function: { max: 512, why: 'a function name, mangled C++ and Java generics included' },
  requestUrl: { max: 8_192, why: 'what browsers and proxies accept as a URL' },
  requestMethod: { max: 10, why: 'HTTP methods are short words' },
  userId: { max: 200, why: 'an id or email address' },
  release: { max: 200, why: 'a version or commit, often with a package name' },
  environment: { max: 100, why: 'production, staging, a branch name' },
  requestHeaders: { max: 16_384, why: 'the JSON of the headers kept; servers refuse more (8-16 KiB)' },
  extra: { max: 49_152, why: 'the JSON of extra data, tags and contexts; the part of a report that grows without end' },
  occurrence: { max: 65_536, why: 'all texts of one occurrence together (message, URL, headers, user, extra, release, environment)' },
  listExcerpt: { max: 300, why: 'a list row shows one line of the message; the group itself has the whole (capped) text' },
} as const;

/** Ends a cut text; the traceback gets a line saying how much was cut. */
export const CUT_MARK = '…';
/** Inside a JSON value cut to size, the key and array item saying what is missing. */
const JSON_CUT_KEY = '…';
/** Room kept for the markers when a JSON value is cut (the walk measures only its own output). */
const JSON_MARKER_ROOM = 64;
/** A single string inside cut JSON keeps at most this much, so one huge value does not crowd out the rest. */
const JSON_STRING_MAX = 1_024;

/** `text` at most `max` characters, the last being CUT_MARK when cut; never splits a surrogate pair. */
export function cutText(text: string, max: number): string {
  if (text.length <= max) return text;
  let keep = Math.max(0, max - CUT_MARK.length);
  if (isHighSurrogate(text.charCodeAt(keep - 1))) keep--;
  return text.slice(0, keep) + CUT_MARK;
}

export function cutNullable(text: string | null, max: number): string | null {
  return text === null ? null : cutText(text, max);
}

/**
 * A long traceback keeps its head and its tail, each ending at a line break where one is near, with a
 * line between saying how much was cut: V8 writes the crash frame first, Python last.
 */
export function cutTraceback(text: string, max: number): string {
  if (text.length <= max) return text;
  const marker = (n: number) => `\n${CUT_MARK} ${n} characters cut ${CUT_MARK}\n`;
  const room = max - marker(text.length).length;
  let headEnd = Math.floor(room / 2);
  const headBreak = text.lastIndexOf('\n', headEnd);
  if (headBreak > headEnd / 2) headEnd = headBreak;
  if (isHighSurrogate(text.charCodeAt(headEnd - 1))) headEnd--;
  let tailStart = text.length - (room - headEnd);
  const tailBreak = text.indexOf('\n', tailStart);
  if (tailBreak !== -1 && tailBreak - tailStart < (text.length - tailStart) / 2) tailStart = tailBreak + 1;
  if (isLowSurrogate(text.charCodeAt(tailStart))) tailStart++;
  return text.slice(0, headEnd) + marker(tailStart - headEnd) + text.slice(tailStart);
}

/**
 * `value` whose JSON is at most `max` characters: as it is when it fits (the common case, one
 * stringify), else a copy walked with a budget, strings cut to JSON_STRING_MAX and the keys and
 * items past the budget replaced by one `"…"` entry saying how many were left out.
 */
export function boundJson(value: Record<string, unknown>, max: number): { value: Record<string, unknown>; json: string; length: number } {
  const json = JSON.stringify(value);
  if (json.length <= max) return { value, json, length: json.length };
  const budget = { left: Math.max(0, max - JSON_MARKER_ROOM) };
  const cut = shrink(value, budget) as Record<string, unknown>;
  const cutJson = JSON.stringify(cut);
  if (cutJson.length <= max) return { value: cut, json: cutJson, length: cutJson.length };
  const summary = { [JSON_CUT_KEY]: `${json.length} characters of JSON cut` };
  const summaryJson = JSON.stringify(summary);
  return { value: summary, json: summaryJson, length: summaryJson.length };
}

function shrink(v: unknown, budget: { left: number }): unknown {
  if (typeof v === 'string') {
    const s = cutText(v, Math.min(JSON_STRING_MAX, Math.max(1, budget.left - 2)));
    budget.left -= s.length + 2;
    return s;
  }
  if (v === null || typeof v !== 'object') {
    budget.left -= String(v).length;
    return v;
  }
  budget.left -= 2;
  if (Array.isArray(v)) {
    const out: unknown[] = [];
    for (let i = 0; i < v.length; i++) {
      if (budget.left <= 8) {
        out.push(`${CUT_MARK} ${v.length - i} more items cut`);
        break;
      }
      out.push(shrink(v[i], budget));
      budget.left -= 1;
    }
    return out;
  }
  const out: Record<string, unknown> = {};
  const keys = Object.keys(v);
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i]!;
    const kept = cutText(key, JSON_STRING_MAX);
    if (budget.left <= kept.length + 8) {
      define(out, JSON_CUT_KEY, `${keys.length - i} more keys cut`);
      break;
    }
    budget.left -= kept.length + 4;
    define(out, kept, shrink((v as Record<string, unknown>)[key], budget));
  }
  return out;
}

/** As the scrubber does: a `__proto__` key stays data, an own property, never the prototype. */
function define(o: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(o, key, { value, enumerable: true, writable: true, configurable: true });
}

/**
 * Cuts the report the pipeline has just made (and owns) to LIMITS, after it was grouped, and returns
 * it. In place: most reports need no cut, and a copy of every report cost more than the checks.
 */
export function capReport(r: PreparedReport): PreparedReport {
  if (r.project.length > LIMITS.project.max) r.project = cutText(r.project, LIMITS.project.max);
  if (r.exceptionType.length > LIMITS.exceptionType.max) r.exceptionType = cutText(r.exceptionType, LIMITS.exceptionType.max);
  if (r.message.length > LIMITS.message.max) r.message = cutText(r.message, LIMITS.message.max);
  if (r.traceback.length > LIMITS.traceback.max) r.traceback = cutTraceback(r.traceback, LIMITS.traceback.max);
  if (r.file.length > LIMITS.file.max) r.file = cutText(r.file, LIMITS.file.max);
  if (r.function.length > LIMITS.function.max) r.function = cutText(r.function, LIMITS.function.max);
  r.requestUrl = cutNullable(r.requestUrl, LIMITS.requestUrl.max);
  r.requestMethod = cutNullable(r.requestMethod, LIMITS.requestMethod.max);
  r.userId = cutNullable(r.userId, LIMITS.userId.max);
  r.release = cutNullable(r.release, LIMITS.release.max);
  r.environment = cutNullable(r.environment, LIMITS.environment.max);
  // Measured here, so the store writes this JSON instead of making it again.
  const headers = r.requestHeaders === null ? null : boundJson(r.requestHeaders, LIMITS.requestHeaders.max);
  let extra = r.extra === null ? null : boundJson(r.extra, LIMITS.extra.max);
  // The occurrence as a whole: extra, the largest and least needed part, gives way first.
  const others =
    r.message.length + (r.requestUrl?.length ?? 0) + (r.requestMethod?.length ?? 0) + (headers?.length ?? 0) +
    (r.userId?.length ?? 0) + (r.release?.length ?? 0) + (r.environment?.length ?? 0);
  if (extra !== null && others + extra.length > LIMITS.occurrence.max) {
    extra = boundJson(extra.value, Math.max(JSON_MARKER_ROOM, LIMITS.occurrence.max - others));
  }
  r.requestHeaders = headers?.value ?? null;
  r.requestHeadersJson = headers?.json ?? null;
  r.extra = extra?.value ?? null;
  r.extraJson = extra?.json ?? null;
  return r;
}

function isHighSurrogate(c: number): boolean {
  return c >= 0xd800 && c <= 0xdbff;
}

function isLowSurrogate(c: number): boolean {
  return c >= 0xdc00 && c <= 0xdfff;
}
