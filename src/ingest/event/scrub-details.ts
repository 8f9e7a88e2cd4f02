// Scrubbing of everything EventDetails adds: the same names redacted in tags, breadcrumbs, contexts, request and user data (pure).
import { REDACTED, scrubUrl, scrubValue, type KeyMatcher } from '../scrub.js';
import type { Breadcrumb, EventDetails, EventRequest } from './types.js';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);
const scrubObj = (v: Obj | undefined, isSecret: KeyMatcher) => (v === undefined ? undefined : (scrubValue(v, isSecret) as Obj));

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
  const out: [string, string][] = [];
  for (const [k, v] of Object.entries(tags)) out.push([k, isSecret(k) ? REDACTED : v.includes('=') ? scrubQueryish(v, isSecret) : v]);
  return Object.fromEntries(out);
}

function scrubCrumb(b: Breadcrumb, isSecret: KeyMatcher): Breadcrumb {
  if (b.data === undefined && b.message === undefined) return b;
  const data = scrubObj(b.data, isSecret);
  // Fetch and XHR breadcrumbs carry the URL they called, query and all.
  if (data && typeof data.url === 'string') data.url = scrubUrl(data.url, isSecret);
  const message = b.message !== undefined && /[?&][^=\s]+=/.test(b.message) ? b.message.replace(/\S+\?\S+/g, (u) => scrubUrl(u, isSecret)) : b.message;
  return { ...b, ...(data ? { data } : {}), ...(message !== undefined ? { message } : {}) };
}

function scrubRequest(r: EventRequest, isSecret: KeyMatcher): EventRequest {
  const free = (v: unknown) => (typeof v === 'string' ? scrubQueryish(v, isSecret) : scrubValue(v, isSecret));
  return {
    ...(r.query_string !== undefined ? { query_string: free(r.query_string) } : {}),
    ...(r.data !== undefined ? { data: free(r.data) } : {}),
    ...(r.cookies !== undefined ? { cookies: typeof r.cookies === 'string' ? scrubCookieString(r.cookies, isSecret) : scrubValue(r.cookies, isSecret) } : {}),
  };
}

/** A copy with secrets redacted wherever the scrubber's names appear; exception values and frames are code, kept. */
export function scrubDetails(d: EventDetails, isSecret: KeyMatcher): EventDetails {
  const out: EventDetails = { ...d };
  if (d.user?.data) out.user = { ...d.user, data: scrubObj(d.user.data, isSecret) };
  if (d.tags) out.tags = scrubTags(d.tags, isSecret);
  if (d.breadcrumbs) out.breadcrumbs = d.breadcrumbs.map((b) => scrubCrumb(b, isSecret));
  if (d.contexts) out.contexts = scrubObj(d.contexts, isSecret);
  if (d.request) out.request = scrubRequest(d.request, isSecret);
  if (d.exceptions?.some((e) => isObj(e.mechanism?.data))) {
    out.exceptions = d.exceptions.map((e) => (isObj(e.mechanism?.data) ? { ...e, mechanism: { ...e.mechanism, data: scrubObj(e.mechanism.data as Obj, isSecret) } } : e));
  }
  return out;
}
