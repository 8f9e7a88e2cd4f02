// The PostgreSQL store's row shapes and their mapping to the store's types.
import type { ErrorSummary, IgnoreCondition, Occurrence, Project, Source } from '../types.js';

export interface SummaryRow {
  id: number;
  fingerprint: string;
  project: string;
  exception_type: string;
  message: string;
  file: string;
  line: number | null;
  function: string;
  source: Source;
  count: number;
  first_seen: string;
  last_seen: string;
  resolved: boolean;
  resolved_at: string | null;
  release: string | null;
  environment: string | null;
  first_release: string | null;
  users: number;
  ignored: boolean;
  resolved_in: string | null;
  ignore_until: string | null;
  ignore_until_count: number | null;
  ignore_until_users: number | null;
}

export interface OccurrenceRow {
  timestamp: string;
  message: string;
  request_url: string | null;
  request_method: string | null;
  request_headers: string | null;
  user_id: string | null;
  extra: string | null;
  release: string | null;
  environment: string | null;
  details: string | null;
}

export interface ProjectRow {
  id: number;
  name: string;
  ingest_key: string;
  created_at: string;
}

export const SUMMARY_COLUMNS = `id, fingerprint, project, exception_type, message, file, line, function, source, count,
  first_seen, last_seen, resolved, resolved_at, release, environment, first_release, users, ignored, resolved_in,
  ignore_until, ignore_until_count, ignore_until_users`;

function parseJson<T>(s: string | null): T | null {
  if (s === null) return null;
  try {
    return JSON.parse(s) as T;
  } catch {
    return null;
  }
}

export function toProject(r: ProjectRow): Project {
  return { id: r.id, name: r.name, ingestKey: r.ingest_key, createdAt: r.created_at };
}

export function toSummary(r: SummaryRow): ErrorSummary {
  return {
    id: r.id,
    fingerprint: r.fingerprint,
    project: r.project,
    exceptionType: r.exception_type,
    message: r.message,
    count: r.count,
    firstSeen: r.first_seen,
    lastSeen: r.last_seen,
    resolved: r.resolved,
    resolvedAt: r.resolved_at,
    source: r.source,
    file: r.file,
    line: r.line,
    function: r.function,
    release: r.release,
    environment: r.environment,
    firstRelease: r.first_release,
    users: r.users,
    status: r.ignored ? 'ignored' : r.resolved ? 'resolved' : 'unresolved',
    resolvedIn: r.resolved_in,
    ignore: r.ignored ? ignoreOf(r) : null,
  };
}

function ignoreOf(r: SummaryRow): IgnoreCondition {
  const c: IgnoreCondition = {};
  if (r.ignore_until !== null) c.until = r.ignore_until;
  if (r.ignore_until_count !== null) c.untilCount = r.ignore_until_count;
  if (r.ignore_until_users !== null) c.untilUsers = r.ignore_until_users;
  return c;
}

export function toOccurrence(r: OccurrenceRow): Occurrence {
  return {
    timestamp: r.timestamp,
    message: r.message,
    requestUrl: r.request_url,
    requestMethod: r.request_method,
    requestHeaders: parseJson(r.request_headers),
    userId: r.user_id,
    extra: parseJson(r.extra),
    release: r.release,
    environment: r.environment,
    details: parseJson(r.details),
  };
}
