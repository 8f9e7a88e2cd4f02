// The PostgreSQL store's row shapes and their mapping to the store's types.
import type { ErrorSummary, Occurrence, Project, Source } from '../types.js';

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
  first_seen, last_seen, resolved, resolved_at, release, environment`;

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
    // TODO(issue 20, triage helper): migration 015's columns on PostgreSQL.
    firstRelease: null,
    users: 0,
    status: r.resolved ? 'resolved' : 'unresolved',
    resolvedIn: null,
    ignore: null,
  };
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
