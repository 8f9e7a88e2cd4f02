// The SQLite implementation of the store: all SQL lives here; writes are group-committed.
import { randomBytes } from 'node:crypto';
import type { Statement } from 'better-sqlite3';
import type { Db } from './open-database.js';
import type {
  ErrorGroup,
  ErrorSummary,
  HourlyCount,
  IngestResult,
  ListQuery,
  Occurrence,
  PreparedReport,
  Source,
  Store,
} from './types.js';

/** Ring size of kept occurrences per group. */
export const OCCURRENCES_KEPT = 5;
/** Reports written per transaction at most; more wait for the next flush. */
const MAX_BATCH = 500;

export interface SqliteStoreOptions {
  now?: () => Date;
}

interface GroupRow {
  id: number;
  fingerprint: string;
  project: string;
  exception_type: string;
  message: string;
  traceback: string;
  file: string;
  line: number | null;
  function: string;
  source: Source;
  count: number;
  first_seen: string;
  last_seen: string;
  resolved: number;
  resolved_at: string | null;
  release: string | null;
  environment: string | null;
}

interface OccurrenceRow {
  timestamp: string;
  message: string;
  request_url: string | null;
  request_method: string | null;
  request_headers: string | null;
  user_id: string | null;
  extra: string | null;
  release: string | null;
  environment: string | null;
}

interface Pending {
  report: PreparedReport;
  resolve: (r: IngestResult) => void;
  reject: (e: unknown) => void;
}

const SUMMARY_COLUMNS = `id, fingerprint, project, exception_type, message, file, line, function, source, count,
  first_seen, last_seen, resolved, resolved_at, release, environment`;

export function createSqliteStore(db: Db, options: SqliteStoreOptions = {}): Store {
  const now = options.now ?? (() => new Date());

  const stmt = {
    findGroup: db.prepare<[string], { id: number; resolved: number }>('SELECT id, resolved FROM errors WHERE fingerprint = ?'),
    insertGroup: db.prepare<Record<string, unknown>, { id: number }>(`
      INSERT INTO errors (fingerprint, project, exception_type, message, traceback, file, line, function, source,
                          count, first_seen, last_seen, release, environment)
      VALUES (@fingerprint, @project, @exceptionType, @message, @traceback, @file, @line, @function, @source,
              1, @timestamp, @timestamp, @release, @environment)
      RETURNING id`),
    updateGroup: db.prepare<Record<string, unknown>, { count: number }>(`
      UPDATE errors SET
        count = count + 1,
        first_seen = min(first_seen, @timestamp),
        last_seen = max(last_seen, @timestamp),
        message = @message, traceback = @traceback, source = @source,
        release = @release, environment = @environment,
        resolved = 0, resolved_at = NULL
      WHERE id = @id
      RETURNING count`),
    putOccurrence: db.prepare(`
      INSERT INTO error_occurrences (error_id, slot, seq, timestamp, message, request_url, request_method,
                                     request_headers, user_id, extra, release, environment)
      VALUES (@id, @slot, @seq, @timestamp, @message, @requestUrl, @requestMethod,
              @requestHeaders, @userId, @extra, @release, @environment)
      ON CONFLICT (error_id, slot) DO UPDATE SET
        seq = excluded.seq, timestamp = excluded.timestamp, message = excluded.message,
        request_url = excluded.request_url, request_method = excluded.request_method,
        request_headers = excluded.request_headers, user_id = excluded.user_id, extra = excluded.extra,
        release = excluded.release, environment = excluded.environment`),
    countHour: db.prepare(`
      INSERT INTO error_hourly_counts (error_id, hour, count) VALUES (?, ?, 1)
      ON CONFLICT (error_id, hour) DO UPDATE SET count = count + 1`),
    ensureProject: db.prepare('INSERT INTO projects (name, ingest_key, created_at) VALUES (?, ?, ?) ON CONFLICT (name) DO NOTHING'),
    getGroup: db.prepare<[number], GroupRow>(`SELECT ${SUMMARY_COLUMNS}, traceback FROM errors WHERE id = ?`),
    occurrences: db.prepare<[number], OccurrenceRow>(`
      SELECT timestamp, message, request_url, request_method, request_headers, user_id, extra, release, environment
      FROM error_occurrences WHERE error_id = ? ORDER BY seq DESC`),
    setResolved: db.prepare('UPDATE errors SET resolved = ?, resolved_at = ? WHERE id = ?'),
    projects: db.prepare<[], { name: string }>('SELECT name FROM projects ORDER BY name'),
    // The ids travel as one JSON array, so a whole page is one prepared statement and one read.
    hourlyCounts: db.prepare<[string, string, string], { error_id: number; hour: string; count: number }>(`
      SELECT error_id, hour, count FROM error_hourly_counts
      WHERE error_id IN (SELECT value FROM json_each(?)) AND hour >= ? AND hour <= ?`),
  };

  // Projects known to exist, so the common case skips the INSERT; filled only after a commit.
  const knownProjects = new Set<string>();

  function writeOne(r: PreparedReport, newProjects: Set<string>): IngestResult {
    if (!knownProjects.has(r.project) && !newProjects.has(r.project)) {
      stmt.ensureProject.run(r.project, randomBytes(16).toString('hex'), now().toISOString());
      newProjects.add(r.project);
    }
    const row = { ...r, requestHeaders: json(r.requestHeaders), extra: json(r.extra) };
    const existing = stmt.findGroup.get(r.fingerprint);
    let id: number;
    let count: number;
    if (existing) {
      id = existing.id;
      count = stmt.updateGroup.get({ ...row, id })!.count;
    } else {
      id = stmt.insertGroup.get(row)!.id;
      count = 1;
    }
    stmt.putOccurrence.run({ ...row, id, slot: (count - 1) % OCCURRENCES_KEPT, seq: count });
    stmt.countHour.run(id, `${r.timestamp.slice(0, 13)}:00:00Z`);
    return { id, fingerprint: r.fingerprint, count, created: !existing, regression: existing?.resolved === 1 };
  }

  function writeBatch(batch: Pending[]): IngestResult[] {
    const newProjects = new Set<string>();
    const results = db.transaction(() => batch.map((p) => writeOne(p.report, newProjects)))();
    for (const name of newProjects) knownProjects.add(name);
    return results;
  }

  // Group commit: reports arriving in the same turn of the event loop share one transaction
  // (and one fsync); each caller is answered only after that commit.
  let queue: Pending[] = [];
  let flushScheduled = false;

  function flush(): void {
    flushScheduled = false;
    const batch = queue.splice(0, MAX_BATCH);
    if (queue.length > 0) scheduleFlush();
    let results: IngestResult[];
    try {
      results = writeBatch(batch);
    } catch {
      // One bad report must not fail its neighbours: retry each alone, so only the culprit fails.
      for (const p of batch) {
        try {
          p.resolve(writeBatch([p])[0]!);
        } catch (err) {
          p.reject(err);
        }
      }
      return;
    }
    batch.forEach((p, i) => p.resolve(results[i]!));
  }

  function scheduleFlush(): void {
    if (flushScheduled) return;
    flushScheduled = true;
    setImmediate(flush);
  }

  const listStatements = new Map<string, Statement<Record<string, unknown>>>();

  function listStatement(q: ListQuery, kind: 'rows' | 'count'): Statement<Record<string, unknown>> {
    const where: string[] = [];
    if (q.project !== undefined) where.push('project = @project');
    if (q.resolved !== undefined) where.push('resolved = @resolved');
    if (q.source !== undefined) where.push('source = @source');
    if (q.search !== undefined) where.push(`(exception_type LIKE @pattern ESCAPE '\\' OR message LIKE @pattern ESCAPE '\\')`);
    const clause = where.length ? `WHERE ${where.join(' AND ')}` : '';
    const sql =
      kind === 'rows'
        ? `SELECT ${SUMMARY_COLUMNS} FROM errors ${clause} ORDER BY last_seen DESC, id DESC LIMIT @limit OFFSET @offset`
        : `SELECT count(*) AS total FROM errors ${clause}`;
    let s = listStatements.get(sql);
    if (!s) {
      s = db.prepare(sql);
      listStatements.set(sql, s);
    }
    return s;
  }

  return {
    ingest(report) {
      return new Promise<IngestResult>((resolve, reject) => {
        queue.push({ report, resolve, reject });
        scheduleFlush();
      });
    },

    async listErrors(q) {
      const params: Record<string, unknown> = { limit: q.limit, offset: q.offset };
      if (q.project !== undefined) params.project = q.project;
      if (q.resolved !== undefined) params.resolved = q.resolved ? 1 : 0;
      if (q.source !== undefined) params.source = q.source;
      if (q.search !== undefined) params.pattern = `%${escapeLike(q.search)}%`;
      const rows = listStatement(q, 'rows').all(params) as GroupRow[];
      const { limit: _l, offset: _o, ...countParams } = params;
      const { total } = listStatement(q, 'count').get(countParams) as { total: number };
      return { errors: rows.map(toSummary), total };
    },

    async getError(id) {
      const row = stmt.getGroup.get(id);
      if (!row) return null;
      return { error: { ...toSummary(row), traceback: row.traceback }, occurrences: stmt.occurrences.all(id).map(toOccurrence) };
    },

    async setResolved(id, resolved) {
      return stmt.setResolved.run(resolved ? 1 : 0, resolved ? now().toISOString() : null, id).changes > 0;
    },

    async listProjects() {
      return stmt.projects.all().map((r) => r.name);
    },

    async hourlyCounts(errorIds, fromHour, toHour): Promise<HourlyCount[]> {
      if (errorIds.length === 0) return [];
      return stmt.hourlyCounts
        .all(JSON.stringify(errorIds), fromHour, toHour)
        .map((r) => ({ errorId: r.error_id, hour: r.hour, count: r.count }));
    },

    close() {
      // Whatever is queued was not acknowledged yet; write it before closing rather than drop it.
      while (queue.length > 0) flush();
      db.close();
    },
  };
}

function escapeLike(s: string): string {
  return s.replace(/[\\%_]/g, (c) => `\\${c}`);
}

function json(v: Record<string, unknown> | null): string | null {
  return v === null ? null : JSON.stringify(v);
}

function parseJson(s: string | null): Record<string, unknown> | null {
  return s === null ? null : (JSON.parse(s) as Record<string, unknown>);
}

function toSummary(r: GroupRow): ErrorSummary {
  return {
    id: r.id,
    fingerprint: r.fingerprint,
    project: r.project,
    exceptionType: r.exception_type,
    message: r.message,
    count: r.count,
    firstSeen: r.first_seen,
    lastSeen: r.last_seen,
    resolved: r.resolved === 1,
    resolvedAt: r.resolved_at,
    source: r.source,
    file: r.file,
    line: r.line,
    function: r.function,
    release: r.release,
    environment: r.environment,
  };
}

function toOccurrence(r: OccurrenceRow): Occurrence {
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
  };
}
