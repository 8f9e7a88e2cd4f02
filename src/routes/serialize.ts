// Store objects -> the API's snake_case JSON shapes.
import type { ErrorGroup, ErrorSummary, IngestResult, Occurrence } from '../store/types.js';
import { cutText, LIMITS } from '../ingest/limits.js';
import type { Frame } from '../ingest/stack/types.js';
import { occurrenceDetailsToApi } from './occurrence-details.js';
import { ignoreToApi } from './triage.js';

export function summaryToApi(e: ErrorSummary) {
  return {
    id: e.id,
    fingerprint: e.fingerprint,
    project: e.project,
    exception_type: e.exceptionType,
    message: e.message,
    count: e.count,
    first_seen: e.firstSeen,
    last_seen: e.lastSeen,
    resolved: e.resolved,
    resolved_at: e.resolvedAt,
    source: e.source,
    file: e.file,
    line: e.line,
    function: e.function,
    release: e.release,
    environment: e.environment,
    first_release: e.firstRelease,
    users: e.users,
    status: e.status,
    resolved_in: e.resolvedIn,
    ignore: ignoreToApi(e.ignore),
  };
}

/**
 * A list row: the message as an excerpt ending in '…' when cut, and `message_truncated` saying so, so
 * a page of 200 groups stays small whatever their messages; GET /api/errors/:id has the whole text.
 */
export function listItemToApi(e: ErrorSummary) {
  const truncated = e.message.length > LIMITS.listExcerpt.max;
  return { ...summaryToApi(e), message: truncated ? cutText(e.message, LIMITS.listExcerpt.max) : e.message, message_truncated: truncated };
}

export function groupToApi(e: ErrorGroup, frames: Frame[]) {
  return {
    ...summaryToApi(e),
    traceback: e.traceback,
    frames: frames.map((f) => ({ file: f.file, line: f.line, column: f.column, function: f.function, in_app: f.inApp })),
  };
}

export function occurrenceToApi(o: Occurrence) {
  return {
    timestamp: o.timestamp,
    message: o.message,
    request_url: o.requestUrl,
    request_method: o.requestMethod,
    request_headers: o.requestHeaders,
    user_id: o.userId,
    extra: o.extra,
    release: o.release,
    environment: o.environment,
    ...occurrenceDetailsToApi(o),
  };
}

export function ingestReply(r: IngestResult) {
  return r.created
    ? { status: 'created' as const, fingerprint: r.fingerprint, id: r.id }
    : { status: 'existing' as const, fingerprint: r.fingerprint, count: r.count, id: r.id };
}

/**
 * JSON Schema of ingestReply's two shapes, by status: Fastify compiles it once into a serializer
 * (fast-json-stringify), cheaper than JSON.stringify on the busiest reply and never more than these fields.
 */
export const ingestReplySchema = {
  201: {
    type: 'object',
    properties: { status: { type: 'string' }, fingerprint: { type: 'string' }, id: { type: 'integer' } },
    required: ['status', 'fingerprint', 'id'],
  },
  200: {
    type: 'object',
    properties: { status: { type: 'string' }, fingerprint: { type: 'string' }, count: { type: 'integer' }, id: { type: 'integer' } },
    required: ['status', 'fingerprint', 'count', 'id'],
  },
} as const;
