// A Sentry event's user, tags, breadcrumbs, contexts, request and exception chain -> EventDetails (pure, lenient).
import { eventTime } from '../sentry/event-to-report.js';
import { debugImagesOf, frameFilesOf } from '../../sourcemaps/debug-ids.js';
import { boundedObject, boundedValue, fitWithin, LIMITS } from './limits.js';
import type { Breadcrumb, EventDetails, EventException, EventFrameDetails, EventRequest, EventUser } from './types.js';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);
const cut = (v: unknown, max: number): string | undefined => {
  const s = typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'boolean' ? String(v) : undefined;
  if (s === undefined || s === '') return undefined;
  return s.length > max ? s.slice(0, max) : s;
};
const int = (v: unknown) => (Number.isInteger(v) ? (v as number) : undefined);

/** `values: [...]`, a bare list, or a bare object. */
export function listOf(v: unknown): unknown[] {
  if (Array.isArray(v)) return v;
  if (isObj(v)) return Array.isArray(v.values) ? v.values : [v];
  return [];
}

/** Only the fields that were sent, so stored JSON holds nothing else; a new object, never deletes (slow objects). */
function compact<T extends object>(o: T): T | undefined {
  let out: Record<string, unknown> | undefined;
  for (const key in o) {
    if (o[key] !== undefined) (out ??= {})[key] = o[key];
  }
  return out as T | undefined;
}

const USER_FIELDS = new Set(['id', 'email', 'username', 'ip_address']);

export function userOf(v: unknown): EventUser | undefined {
  if (!isObj(v)) return undefined;
  const rest = Object.fromEntries(Object.entries(v).filter(([k, x]) => !USER_FIELDS.has(k) && x !== null && x !== undefined));
  const ip = cut(v.ip_address, LIMITS.name);
  return compact<EventUser>({
    id: cut(v.id, LIMITS.name),
    email: cut(v.email, LIMITS.name),
    username: cut(v.username, LIMITS.name),
    // `{{auto}}` asks the server to fill in the client's address; we do not keep addresses we infer.
    ip_address: ip === '{{auto}}' ? undefined : ip,
    data: boundedObject(rest),
  });
}

/** A dict or a list of [key, value] pairs; the first 100, keys and values cut at 200 characters. */
export function tagsOf(v: unknown): Record<string, string> | undefined {
  const out: [string, string][] = [];
  const seen = new Set<string>();
  const pairs: unknown[][] = Array.isArray(v) ? v.filter(Array.isArray) : isObj(v) ? Object.entries(v) : [];
  for (const [k, val] of pairs) {
    if (out.length >= LIMITS.tags) break;
    const key = cut(k, LIMITS.tagKey)?.trim();
    const value = isObj(val) || Array.isArray(val) ? cut(JSON.stringify(boundedValue(val)), LIMITS.tagValue) : cut(val, LIMITS.tagValue)?.trim();
    if (!key || value === undefined || seen.has(key)) continue;
    seen.add(key);
    out.push([key, value]);
  }
  return out.length ? Object.fromEntries(out) : undefined;
}

/** The last 100, oldest first. Built field by field: deleting absent fields would slow every later access. */
export function breadcrumbsOf(v: unknown): Breadcrumb[] | undefined {
  const all = listOf(v);
  const out: Breadcrumb[] = [];
  for (let i = Math.max(0, all.length - LIMITS.breadcrumbs); i < all.length; i++) {
    const b = all[i];
    if (!isObj(b)) continue;
    const c: Breadcrumb = {};
    // Float seconds, as the SDKs send it, are kept as they are (the API gives ISO 8601): a Date per
    // breadcrumb was a third of this function's time.
    const ts = typeof b.timestamp === 'number' ? (Number.isFinite(b.timestamp) ? b.timestamp : undefined) : eventTime(b.timestamp);
    if (ts !== undefined) c.timestamp = ts;
    const type = cut(b.type, LIMITS.name);
    if (type !== undefined) c.type = type;
    const category = cut(b.category, LIMITS.name);
    if (category !== undefined) c.category = category;
    const level = cut(b.level, LIMITS.name);
    if (level !== undefined) c.level = level;
    const message = cut(b.message, LIMITS.crumbText);
    if (message !== undefined) c.message = message;
    const data = boundedObject(b.data);
    if (data !== undefined) c.data = data;
    if (ts !== undefined || type || category || level || message || data) out.push(c);
  }
  return out.length ? out : undefined;
}

function linesOf(v: unknown): string[] | undefined {
  if (!Array.isArray(v)) return undefined;
  const out = v.slice(-LIMITS.contextLines).map((l) => (typeof l === 'string' ? l.slice(0, LIMITS.contextLine) : ''));
  return out.length ? out : undefined;
}

function frameOf(f: Obj): EventFrameDetails | undefined {
  return compact<EventFrameDetails>({
    filename: cut(f.filename, LIMITS.text),
    abs_path: cut(f.abs_path, LIMITS.text),
    function: cut(f.function, LIMITS.name),
    module: cut(f.module, LIMITS.name),
    lineno: int(f.lineno),
    colno: int(f.colno),
    in_app: typeof f.in_app === 'boolean' ? f.in_app : undefined,
    context_line: cut(f.context_line, LIMITS.contextLine),
    pre_context: linesOf(f.pre_context),
    post_context: Array.isArray(f.post_context) ? linesOf(f.post_context.slice(0, LIMITS.contextLines)) : undefined,
  });
}

const MECHANISM_FIELDS = ['type', 'handled', 'synthetic', 'description', 'help_link', 'source', 'exception_id', 'parent_id', 'is_exception_group'];

function exceptionOf(e: Obj): EventException | undefined {
  const stack = isObj(e.stacktrace) ? e.stacktrace : undefined;
  const all = (Array.isArray(stack?.frames) ? stack.frames : []).filter(isObj);
  const half = LIMITS.frames / 2;
  const kept = all.length > LIMITS.frames ? [...all.slice(0, half), ...all.slice(-half)] : all;
  const frames = kept.map(frameOf).filter((f): f is EventFrameDetails => f !== undefined);
  const mechanism = isObj(e.mechanism)
    ? compact(Object.fromEntries(MECHANISM_FIELDS.map((k) => [k, boundedValue((e.mechanism as Obj)[k])]).filter(([, v]) => v !== null)))
    : undefined;
  const data = isObj(e.mechanism) ? boundedObject((e.mechanism as Obj).data) : undefined;
  return compact<EventException>({
    type: cut(e.type, LIMITS.name),
    value: cut(e.value, LIMITS.text),
    module: cut(e.module, LIMITS.name),
    mechanism: mechanism || data ? { ...mechanism, ...(data ? { data } : {}) } : undefined,
    frames: frames.length ? frames : undefined,
    frames_omitted: all.length > kept.length ? all.length - kept.length : undefined,
  });
}

function requestOf(v: unknown): EventRequest | undefined {
  if (!isObj(v)) return undefined;
  const free = (x: unknown) => (typeof x === 'string' ? cut(x, LIMITS.text) : x === null || x === undefined ? undefined : boundedValue(x));
  return compact<EventRequest>({ query_string: free(v.query_string), data: free(v.data), cookies: free(v.cookies) });
}

/** Everything the columns do not hold; scrubbed later by the pipeline (scrubDetails). */
export function detailsFromSentry(event: Obj, sourceBytes?: number): EventDetails {
  const sdk = isObj(event.sdk) ? compact({ name: cut(event.sdk.name, LIMITS.name), version: cut(event.sdk.version, LIMITS.name) }) : undefined;
  const exceptions = listOf(event.exception)
    .filter(isObj)
    .filter((e) => e.type != null || e.value != null)
    .slice(-LIMITS.exceptions)
    .map(exceptionOf)
    .filter((e): e is EventException => e !== undefined);
  const details = compact<EventDetails>({
    level: cut(event.level, LIMITS.name),
    logger: cut(event.logger, LIMITS.name),
    server_name: cut(event.server_name, LIMITS.name),
    platform: cut(event.platform, LIMITS.name),
    sdk,
    user: userOf(event.user),
    tags: tagsOf(event.tags),
    breadcrumbs: breadcrumbsOf(event.breadcrumbs),
    contexts: boundedObject(event.contexts),
    request: requestOf(event.request),
    exceptions: exceptions.length ? exceptions : undefined,
    debug_images: debugImagesOf(event, frameFilesOf(event)),
  });
  return fitWithin(details ?? {}, LIMITS.detailsBytes, sourceBytes);
}
