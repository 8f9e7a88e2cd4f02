// The body of POST /api/errors, as clients send it.
import { z } from 'zod';
import { nativeEventFields } from './event/native-fields.js';

/** Clients often send `null` for an absent optional field: accepted here, dropped by withoutNulls. */
const opt = <T extends z.ZodType>(schema: T) => schema.nullish();

/**
 * Any JSON object, passed on as it came: z.record would rebuild it and silently drop a `__proto__`
 * key, which is data here (the scrubber copies it safely) and may be the clue to an attack.
 */
const jsonObject = z.custom<Record<string, unknown>>((v) => v !== null && typeof v === 'object' && !Array.isArray(v), {
  message: 'Invalid input: expected an object',
});

const fields = z.object({
  project: z.string().min(1).max(100),
  exception_type: z.string().min(1).max(200),
  message: opt(z.string()),
  traceback: opt(z.string()),
  request_url: opt(z.string().max(8192)),
  request_method: opt(z.string().max(10)),
  request_headers: opt(jsonObject),
  // Numeric ids are common (user 42); keep them, as text.
  user_id: opt(z.union([z.string().max(200), z.number().transform(String)])),
  extra: opt(jsonObject),
  source: opt(z.enum(['browser', 'server'])),
  release: opt(z.string().max(200)),
  environment: opt(z.string().max(100)),
  timestamp: opt(z.iso.datetime({ offset: true, message: 'must be an ISO 8601 date-time, e.g. 2026-01-01T00:00:00Z' })),
  fingerprint: opt(z.union([z.string().min(1).max(500), z.array(z.string().min(1).max(500)).min(1).max(20)])),
  // The whole event (issue 16): user, tags, breadcrumbs, contexts, level.
  ...nativeEventFields,
});

type NoNulls<T> = { [K in keyof T]: Exclude<T[K], null> };

/**
 * One pass over the validated keys rather than a transform on each optional field: the same result
 * (a null field reads as absent) for half of zod's cost on every report.
 */
function withoutNulls<T extends object>(value: T): NoNulls<T> {
  let copy: Record<string, unknown> | undefined;
  for (const key of Object.keys(value)) {
    if ((value as Record<string, unknown>)[key] === null) {
      copy ??= { ...(value as Record<string, unknown>) };
      delete copy[key];
    }
  }
  return (copy ?? value) as NoNulls<T>;
}

export const reportSchema = fields.transform(withoutNulls);

export type ReportInput = z.output<typeof reportSchema>;
