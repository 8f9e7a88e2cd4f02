// Scrubbing of everything EventDetails adds: the same names redacted in tags, breadcrumbs, contexts, request and user data (pure).
import { MAX_DEPTH, REDACTED, scrubUrl, scrubValue, type KeyMatcher } from '../scrub.js';
import type { Breadcrumb, EventDetails, EventRequest } from './types.js';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);

/** A string that carries a query: a URL, a path, or a bare `a=1&b=2`. */
function scrubQueryish(value: string, isSecret: KeyMatcher): string {
  if (value.includes('?')) return scrubUrl(value, isSecret);
  if (value.includes('=')) return scrubUrl(`?${value}`, isSecret).slice(1);
  return value;
}

/** `a=1; session=xyz` -> each cookie's value redacted when its name is secret. */
function scrubCookieString(value: string, isSecret: KeyMatcher): string {
  return value
    .split(';')
    .map((part) => {
      const eq = part.indexOf('=');
      return eq > 0 && isSecret(part.slice(0, eq).trim()) ? `${part.slice(0, eq)}=${REDACTED}` : part;
    })
    .join(';');
}

function scrubTags(tags: Record<string, string>, isSecret: KeyMatcher): Record<string, string> {
  for (const k in tags) {
    if (!Object.hasOwn(tags, k)) continue;
    const v = tags[k]!;
    const scrubbed = isSecret(k) ? REDACTED : v.includes('=') ? scrubQueryish(v, isSecret) : v;
    // Assigning `__proto__` would be ignored (a string) and leave the value unscrubbed: defined, it is data.
    if (scrubbed !== v) Object.defineProperty(tags, k, { value: scrubbed, enumerable: true, writable: true, configurable: true });
  }
  return tags;
}

/**
 * Redacts in place: details are the pipeline's own fresh copies (boundedValue), never the client's
 * objects, and a walk that allocates nothing is a fraction of a copying one (30 breadcrumbs each).
 */
function redactInPlace(value: unknown, isSecret: KeyMatcher, depth = 0): void {
  if (value === null || typeof value !== 'object' || depth > MAX_DEPTH) return;
  if (Array.isArray(value)) {
    for (const v of value) redactInPlace(v, isSecret, depth + 1);
    return;
  }
  const o = value as Obj;
  for (const key in o) {
    if (!Object.hasOwn(o, key)) continue;
    if (isSecret(key)) o[key] = REDACTED;
    else if (o[key] !== null && typeof o[key] === 'object') redactInPlace(o[key], isSecret, depth + 1);
  }
}

/** Query parameters in a breadcrumb's message (`GET https://x/a?token=...`). */
const QUERY_IN_TEXT = /[?&][^=\s]+=/;

function scrubCrumb(b: Breadcrumb, isSecret: KeyMatcher): void {
  const data = b.data;
  if (data !== undefined) {
    redactInPlace(data, isSecret);
    // Fetch and XHR breadcrumbs carry the URL they called, query and all.
    if (typeof data.url === 'string' && data.url.includes('?')) data.url = scrubUrl(data.url, isSecret);
  }
  if (b.message !== undefined && b.message.includes('=') && QUERY_IN_TEXT.test(b.message)) {
    b.message = b.message.replace(/\S+\?\S+/g, (u) => scrubUrl(u, isSecret));
  }
}

function scrubRequest(r: EventRequest, isSecret: KeyMatcher): EventRequest {
  const free = (v: unknown) => (typeof v === 'string' ? scrubQueryish(v, isSecret) : scrubValue(v, isSecret));
  return {
    ...(r.query_string !== undefined ? { query_string: free(r.query_string) } : {}),
    ...(r.data !== undefined ? { data: free(r.data) } : {}),
    ...(r.cookies !== undefined ? { cookies: typeof r.cookies === 'string' ? scrubCookieString(r.cookies, isSecret) : scrubValue(r.cookies, isSecret) } : {}),
  };
}

/** Secrets redacted wherever the scrubber's names appear, in place (see redactInPlace); exception values and frames are code, kept. */
export function scrubDetails(d: EventDetails, isSecret: KeyMatcher): EventDetails {
  if (d.user?.data) redactInPlace(d.user.data, isSecret);
  if (d.tags) d.tags = scrubTags(d.tags, isSecret);
  if (d.breadcrumbs) for (const b of d.breadcrumbs) scrubCrumb(b, isSecret);
  if (d.contexts) redactInPlace(d.contexts, isSecret);
  if (d.request) d.request = scrubRequest(d.request, isSecret);
  if (d.exceptions) for (const e of d.exceptions) if (isObj(e.mechanism?.data)) redactInPlace(e.mechanism.data, isSecret);
  return d;
}
