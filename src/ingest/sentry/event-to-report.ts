// A Sentry event (as the official SDKs send it) -> our report and its parsed stack (pure, lenient: null means absent; impossible numbers are a 400).
import { randomUUID } from 'node:crypto';
import { errors } from '../../errors.js';
import { cutText, LIMITS } from '../limits.js';
import { crashFrameOf, isMessageEvent, primaryException, type EventFrame } from '../grouping/index.js';
import type { Grouping } from '../pipeline.js';
import type { ReportInput } from '../report-schema.js';
import { isInApp, stripQueryAndFragment } from '../stack/parse.js';
import type { ParsedStack } from '../stack/types.js';

export interface SentryReport {
  /** 32 lowercase hex characters. */
  eventId: string;
  input: ReportInput;
  /** Innermost first, as the rest of the pipeline expects. */
  stack: ParsedStack;
  /** What the grouping rules decided (src/ingest/grouping/). */
  grouping: Grouping;
}

type Obj = Record<string, unknown>;

const isObj = (v: unknown): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);
const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : typeof v === 'number' ? String(v) : undefined);
const cut = (s: string | undefined, max: number) => (s === undefined ? undefined : s.length > max ? s.slice(0, max) : s);

/** `values: [...]`, a bare list, or (seen from some SDKs) a bare object. */
function listOf(v: unknown): unknown[] {
  if (Array.isArray(v)) return v;
  if (isObj(v)) return Array.isArray(v.values) ? v.values : [v];
  return [];
}

/** Dashed, braced or upper-case UUIDs -> 32 lowercase hex; anything else is not an id. */
export function normaliseEventId(v: unknown): string | undefined {
  if (typeof v !== 'string') return undefined;
  const hex = v.replace(/[-{}]/g, '').toLowerCase();
  return /^[0-9a-f]{32}$/.test(hex) ? hex : undefined;
}

/** Float seconds, numeric strings, or RFC 3339 (zone-less means UTC, unlike Date.parse). */
export function eventTime(v: unknown): string | undefined {
  let ms: number;
  if (typeof v === 'number') ms = v * 1000;
  else if (typeof v === 'string' && /^\d+(\.\d+)?$/.test(v)) ms = Number(v) * 1000;
  else if (typeof v === 'string') {
    const zoned = /(Z|[+-]\d\d:?\d\d)$/i.test(v) ? v : `${v}Z`;
    ms = Date.parse(zoned);
  } else return undefined;
  if (!Number.isFinite(ms)) return undefined;
  const d = new Date(ms);
  return Number.isNaN(d.getTime()) ? undefined : d.toISOString();
}

interface SentryFrame extends EventFrame {
  contextLine?: string;
}

/** Line and column numbers are stored as whole numbers up to this (SQLite INTEGER, exact in JS). */
export const MAX_FRAME_NUMBER = 2_147_483_647;

/**
 * A frame's lineno or colno: anything but a number reads as absent, as SDKs differ; a number that
 * is no line number (1e21, 2^63, -1) is a bad event, not a line to store.
 */
function frameNumber(v: unknown, field: 'lineno' | 'colno'): number | null {
  if (typeof v !== 'number' || Number.isNaN(v)) return null;
  if (!Number.isInteger(v) || v < 0 || v > MAX_FRAME_NUMBER) {
    throw errors.invalidEvent(`a frame's ${field} must be a whole number from 0 to ${MAX_FRAME_NUMBER}`);
  }
  return v;
}

function framesOf(exception: Obj): SentryFrame[] {
  const stacktrace = isObj(exception.stacktrace) ? exception.stacktrace : undefined;
  const frames = Array.isArray(stacktrace?.frames) ? stacktrace.frames : [];
  return frames.filter(isObj).map((f) => {
    const file = stripQueryAndFragment(str(f.filename) ?? str(f.abs_path) ?? '');
    const fn = str(f.function) ?? '';
    return {
      file,
      line: frameNumber(f.lineno, 'lineno'),
      column: frameNumber(f.colno, 'colno'),
      function: fn === '?' ? '' : fn,
      // The SDK knows best (the browser marks all frames in-app); without its word, our rules decide.
      inApp: typeof f.in_app === 'boolean' ? f.in_app : isInApp(file, fn),
      module: str(f.module),
      contextLine: typeof f.context_line === 'string' ? f.context_line.trim() : undefined,
    };
  });
}

/** A traceback in the event's own language, so the UI shows what developers are used to reading. */
function renderTraceback(platform: string, type: string, value: string, frames: SentryFrame[]): string {
  const head = value ? `${type}: ${value}` : type;
  if (frames.length === 0) return head;
  if (platform === 'python') {
    const lines = ['Traceback (most recent call last):'];
    for (const f of frames) {
      lines.push(`  File "${f.file}", line ${f.line ?? 0}, in ${f.function || '<module>'}`);
      if (f.contextLine) lines.push(`    ${f.contextLine}`);
    }
    return `${lines.join('\n')}\n${head}\n`;
  }
  const at = [...frames].reverse().map((f) => {
    const where = `${f.file}${f.line !== null ? `:${f.line}` : ''}${f.line !== null && f.column !== null ? `:${f.column}` : ''}`;
    return f.function ? `    at ${f.function} (${where})` : `    at ${where}`;
  });
  return `${head}\n${at.join('\n')}`;
}

function messageOf(event: Obj): { text: string; template: string } | undefined {
  const logentry = isObj(event.logentry) ? event.logentry : undefined;
  const message = event.message;
  const formatted =
    str(logentry?.formatted) ?? (isObj(message) ? str(message.formatted) ?? str(message.message) : str(message)) ?? str(logentry?.message);
  const template = str(logentry?.message) ?? (isObj(message) ? str(message.message) : undefined) ?? formatted;
  return formatted === undefined ? undefined : { text: formatted, template: template ?? formatted };
}

/** JSON of an arbitrary value, shallow enough that a hostile nesting cannot exhaust the stack. */
function briefJson(v: unknown, depth = 0): string {
  if (v === null || typeof v !== 'object') return JSON.stringify(v) ?? 'null';
  if (depth >= 8) return '"…"';
  if (Array.isArray(v)) return `[${v.map((x) => briefJson(x, depth + 1)).join(',')}]`;
  return `{${Object.entries(v).map(([k, x]) => `${JSON.stringify(k)}:${briefJson(x, depth + 1)}`).join(',')}}`;
}

/** A dict, a list of [k, v] pairs, or PHP's {k: [v]}. */
function headersOf(v: unknown): Record<string, string> | undefined {
  const out: [string, string][] = [];
  const pairs: unknown[][] = Array.isArray(v) ? v.filter(Array.isArray) : isObj(v) ? Object.entries(v) : [];
  for (const [k, val] of pairs) {
    const value = Array.isArray(val) ? val.map((x) => (typeof x === 'string' ? x : briefJson(x))).join(', ') : str(val);
    if (typeof k === 'string' && value !== undefined) out.push([k, value]);
  }
  return out.length ? Object.fromEntries(out) : undefined;
}

function userIdOf(user: unknown): string | undefined {
  if (!isObj(user)) return undefined;
  const ip = str(user.ip_address);
  return cut(str(user.id) ?? str(user.email) ?? (ip === '{{auto}}' ? undefined : ip), 200);
}

function fingerprintOf(v: unknown): string[] | undefined {
  if (!Array.isArray(v)) return undefined;
  const parts = v
    .filter((p) => p !== null && p !== undefined)
    .map((p) => cut(typeof p === 'string' ? p : briefJson(p), 500)!)
    .filter((p) => p !== '')
    .slice(0, 20);
  return parts.length ? parts : undefined;
}

/** Browser SDKs say `javascript`; Node says `node`, Python `python`. */
function isBrowser(event: Obj): boolean {
  const sdk = isObj(event.sdk) ? str(event.sdk.name) : undefined;
  return event.platform === 'javascript' || (sdk !== undefined && /^sentry\.javascript\.(browser|react|vue|angular|svelte|ember|solid)/.test(sdk));
}

/**
 * The main exception is the last of the chain; its last frame is where it was raised, preferring
 * the last in-app one. A message-only event groups by its message template (un-interpolated, so
 * `payment failed for %s` is one group), unless the client sent its own fingerprint.
 */
export function eventToReport(event: Obj, project: string, headerEventId?: unknown): SentryReport {
  const eventId = normaliseEventId(headerEventId) ?? normaliseEventId(event.event_id) ?? randomUUID().replaceAll('-', '');
  const platform = str(event.platform) ?? '';
  const exceptions = listOf(event.exception)
    .filter(isObj)
    .filter((e) => str(e.type) !== undefined || str(e.value) !== undefined);
  const main = primaryException(exceptions);
  const message = messageOf(event);

  let exceptionType: string;
  let text: string;
  let traceback: string;
  let frames: SentryFrame[] = [];
  const override = fingerprintOf(event.fingerprint);
  const grouping: Grouping = {};
  if (main && !isMessageEvent(exceptions, message !== undefined)) {
    frames = framesOf(main);
    exceptionType = str(main.type) ?? 'Error';
    text = str(main.value) ?? message?.text ?? '';
    // The value is the message too: its copy in the traceback's head line is cut the same way.
    traceback = renderTraceback(platform, exceptionType, cutText(text, LIMITS.message.max), frames);
  } else {
    // A message, perhaps with the synthetic stack of where it was logged: shown, never grouped on.
    exceptionType = 'Message';
    text = message?.text ?? '';
    const threads = listOf(event.threads).filter(isObj);
    if (main) frames = framesOf(main);
    else if (threads.length === 1) frames = framesOf(threads[0]!);
    traceback = main ? renderTraceback(platform, exceptionType, text, frames) : '';
    grouping.messageTemplate = message?.template ?? '';
  }

  const request = isObj(event.request) ? event.request : undefined;
  const innermostFirst: EventFrame[] = [...frames].reverse().map(({ contextLine: _c, ...f }) => f);
  grouping.crash = crashFrameOf(innermostFirst, { platform, level: str(event.level) });
  // Tags, contexts, user, level and the rest are the event's details (src/ingest/event/), not extra.
  const extra: Obj = {};
  if (isObj(event.extra) && Object.keys(event.extra).length) extra.extra = event.extra;
  extra.sentry = {
    event_id: eventId,
    level: str(event.level),
    platform: platform || undefined,
    logger: str(event.logger),
    transaction: str(event.transaction) ?? str(event.culprit),
    server_name: str(event.server_name),
    sdk: isObj(event.sdk) ? `${str(event.sdk.name) ?? ''}/${str(event.sdk.version) ?? ''}` : undefined,
    handled: exceptions.some((e) => isObj(e.mechanism) && e.mechanism.handled === false) ? false : undefined,
  };

  const input: ReportInput = {
    project,
    exception_type: cut(exceptionType, 200)!,
    message: text,
    traceback,
    request_url: cut(str(request?.url), 8192),
    request_method: cut(str(request?.method), 10),
    request_headers: headersOf(request?.headers),
    user_id: userIdOf(event.user),
    extra,
    source: isBrowser(event) ? 'browser' : 'server',
    release: cut(str(event.release), 200),
    environment: cut(str(event.environment), 100),
    timestamp: eventTime(event.timestamp),
    fingerprint: override,
  };
  return { eventId, input, stack: { format: 'unknown', frames: innermostFirst }, grouping };
}
