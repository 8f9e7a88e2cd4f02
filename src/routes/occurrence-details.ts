// An occurrence's event details in the API: every field present (null or empty when not sent), and the request whole.
import type { Occurrence } from '../store/types.js';

export function occurrenceDetailsToApi(o: Occurrence) {
  const d = o.details ?? {};
  return {
    level: d.level ?? null,
    logger: d.logger ?? null,
    server_name: d.server_name ?? null,
    platform: d.platform ?? null,
    sdk: d.sdk ?? null,
    user: d.user ?? (o.userId === null ? null : { id: o.userId }),
    tags: d.tags ?? {},
    breadcrumbs: (d.breadcrumbs ?? []).map((b) => (typeof b.timestamp === 'number' ? { ...b, timestamp: isoOfSeconds(b.timestamp) } : b)),
    contexts: d.contexts ?? {},
    request:
      o.requestUrl === null && o.requestMethod === null && o.requestHeaders === null && d.request === undefined
        ? null
        : { url: o.requestUrl, method: o.requestMethod, headers: o.requestHeaders, query_string: d.request?.query_string ?? null, data: d.request?.data ?? null, cookies: d.request?.cookies ?? null },
    exceptions: d.exceptions ?? [],
  };
}

function isoOfSeconds(seconds: number): string | undefined {
  const d = new Date(seconds * 1000);
  return Number.isNaN(d.getTime()) ? undefined : d.toISOString();
}
