// The SQLite implementation of the store: all SQL lives here; writes are group-committed.
import { randomBytes } from 'node:crypto';
import type { Statement } from 'better-sqlite3';
import { databaseMovedError, watchFileIdentity } from './file-identity.js';
import { projectScopedFingerprint, SCOPED_ATTEMPTS } from './group-key.js';
import { hourKey } from './hour-key.js';
import { placeInRing, type RingEntry } from './occurrence-ring.js';
import { decodeDetails, encodeDetails } from './occurrence-details.js';
import { createTagStore, tagConditionSql, tagParams } from './sqlite-tags.js';
import type { Db } from './open-database.js';
import { createProjectList } from './sqlite-project-list.js';
import type {
  CleanupResult,
  ErrorGroup,
  ErrorSummary,
  HourlyCount,
  IngestResult,
  ListQuery,
  Occurrence,
  PreparedReport,
  Project,
  ProjectDetails,
  Source,
  Store,
} from './types.js';

/** Ring size of kept occurrences per group. */
export const OCCURRENCES_KEPT = 5;
/** Reports written per transaction at most; more wait for the next flush. */
const MAX_BATCH = 500;
/**
 * Retention works in transactions this small so that a report waits a few milliseconds at most.
 * A group takes up to 5 occurrences and 14 days of hourly counts with it.
 */
const GROUPS_PER_CLEANUP_BATCH = 100;
const COUNTS_PER_CLEANUP_BATCH = 2000;
const PAGES_PER_VACUUM_STEP = 512;
/** "ETRK": stamped on the file by the write probe, so `file` and backup tools can tell what it is. */
const APPLICATION_ID = 0x4554524b;
/** Sentry event ids remembered for dedup: resends come within seconds, so a day and 100k ids are plenty. */
const EVENT_IDS_KEPT = 100_000;
const EVENT_ID_TTL_MS = 24 * 3600_000;
/** Forgetting old event ids runs once per this many recorded ids, not on every write. */
const EVENT_ID_PRUNE_EVERY = 1_000;
/** Projects cached by ingest key; cleared when full rather than grown without bound. */
const KEY_CACHE_MAX = 10_000;

export interface SqliteStoreOptions {
  now?: () => Date;
}

interface SummaryRow {
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
  resolved: number;
  resolved_at: string | null;
  release: string | null;
  environment: string | null;
}

interface GroupRow extends SummaryRow {
  traceback: string;
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
  details: string | Buffer | null;
}

interface ProjectRow {
  id: number;
  name: string;
  ingest_key: string;
  created_at: string;
}

interface Pending {
  report: PreparedReport;
  eventId?: string;
  resolve: (r: IngestResult | null) => void;
  reject: (e: unknown) => void;
}

const SUMMARY_COLUMNS = `id, fingerprint, project, exception_type, message, file, line, function, source, count,
  first_seen, last_seen, resolved, resolved_at, release, environment`;

export function createSqliteStore(db: Db, options: SqliteStoreOptions = {}): Store {
  const now = options.now ?? (() => new Date());
  const identity = db.memory ? null : watchFileIdentity(db.name);
  /**
   * Why a committed write is not in the file the next start will open (file-identity.ts), or null.
   * A removed -wal still holds the commits since the last checkpoint: copied into the file at once.
   */
  function fileMoved(): Error | null {
    const what = identity?.check() ?? null;
    if (what === null) return null;
    if (what === 'wal removed') {
      try {
        db.pragma('wal_checkpoint(TRUNCATE)');
      } catch {
        // the file itself may be gone too; the writes are refused all the same
      }
    }
    return databaseMovedError(what);
  }
  function throwIfMoved(): void {
    const moved = fileMoved();
    if (moved) throw moved;
  }
  // Before the statements are prepared, so that their plans use the statistics.
  refreshPlannerStatistics(db, 'open');

  const stmt = {
    // Positional parameters throughout the write path: binding by name costs a lookup per value.
    insertGroup: db.prepare<unknown[], { id: number }>(`
      INSERT INTO errors (fingerprint, project, exception_type, message, file, line, function, source,
                          count, first_seen, last_seen, release, environment)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
      ON CONFLICT (fingerprint) DO NOTHING
      RETURNING id`),
    // Finds and updates the group in one statement. `resolved` and `source` are not set here: RETURNING
    // gives their values from before this report, and the indexes on them stay untouched unless
    // they change (rarely), which reopenGroup and setSource do.
    // What changes from report to report is the newest occurrence's by its own timestamp, not the
    // last to arrive: a back-dated report (an SDK's offline queue) leaves them alone. Every SET reads
    // the row as it was, so `? >= last_seen` compares with the previous newest; `latest` says whether
    // this batch's newest became the group's.
    updateGroup: db.prepare<unknown[], { id: number; count: number; resolved: number; source: Source; latest: number }>(`
      UPDATE errors SET
        count = count + ?,
        first_seen = min(first_seen, ?),
        last_seen = max(last_seen, ?),
        message = CASE WHEN ? >= last_seen THEN ? ELSE message END,
        release = CASE WHEN ? >= last_seen THEN ? ELSE release END,
        environment = CASE WHEN ? >= last_seen THEN ? ELSE environment END
      WHERE fingerprint = ? AND project = ?
      RETURNING id, count, resolved, source, last_seen = ? AS latest`),
    // A repeat mostly brings the same traceback: then the comparison reads the row and writes nothing.
    setTraceback: db.prepare<[number, string]>(`
      INSERT INTO error_tracebacks (error_id, traceback) VALUES (?, ?)
      ON CONFLICT (error_id) DO UPDATE SET traceback = excluded.traceback WHERE traceback <> excluded.traceback`),
    reopenGroup: db.prepare<[number]>('UPDATE errors SET resolved = 0, resolved_at = NULL WHERE id = ?'),
    setSource: db.prepare<[Source, number]>('UPDATE errors SET source = ? WHERE id = ?'),
    // The ring: slots 0-4 are inserted by a group's first five reports, then overwritten in place.
    insertOccurrence: db.prepare<unknown[]>(`
      INSERT INTO error_occurrences (error_id, slot, seq, timestamp, message, request_url, request_method,
                                     request_headers, user_id, extra, release, environment, details)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
    overwriteOccurrence: db.prepare<unknown[]>(`
      UPDATE error_occurrences SET
        seq = ?, timestamp = ?, message = ?, request_url = ?, request_method = ?,
        request_headers = ?, user_id = ?, extra = ?, release = ?, environment = ?, details = ?
      WHERE error_id = ? AND slot = ?`),
    // The ring's order and free places: slot, arrival and timestamp of each kept occurrence.
    ringOf: db.prepare<[number], RingEntry>('SELECT slot, seq, timestamp FROM error_occurrences WHERE error_id = ?'),
    countHour: db.prepare(`
      INSERT INTO error_hourly_counts (error_id, hour, count) VALUES (?, ?, ?)
      ON CONFLICT (error_id, hour) DO UPDATE SET count = count + excluded.count`),
    ensureProject: db.prepare('INSERT INTO projects (name, ingest_key, created_at) VALUES (?, ?, ?) ON CONFLICT (name) DO NOTHING'),
    getGroup: db.prepare<[number], GroupRow>(`
      SELECT ${SUMMARY_COLUMNS}, coalesce((SELECT traceback FROM error_tracebacks WHERE error_id = errors.id), '') AS traceback
      FROM errors WHERE id = ?`),
    occurrences: db.prepare<[number], OccurrenceRow>(`
      SELECT timestamp, message, request_url, request_method, request_headers, user_id, extra, release, environment, details
      FROM error_occurrences WHERE error_id = ? ORDER BY timestamp DESC, seq DESC`),
    setResolved: db.prepare('UPDATE errors SET resolved = ?, resolved_at = ? WHERE id = ?'),
    projects: db.prepare<[], { name: string }>('SELECT name FROM projects ORDER BY name'),
    deleteResolved: db.prepare<[string, number]>(`
      DELETE FROM errors WHERE id IN (
        SELECT id FROM errors WHERE resolved = 1 AND resolved_at < ? ORDER BY id LIMIT ?)`),
    // From a cursor on error_id, so each batch does not rescan the recent counts of groups already done.
    deleteOldCounts: db.prepare<[number, string, number], { error_id: number }>(`
      DELETE FROM error_hourly_counts WHERE (error_id, hour) IN (
        SELECT error_id, hour FROM error_hourly_counts WHERE error_id >= ? AND hour < ?
        ORDER BY error_id, hour LIMIT ?)
      RETURNING error_id`),
    freePages: db.prepare<[], { freelist_count: number }>('PRAGMA freelist_count'),
    projectByName: db.prepare<[string], ProjectRow>('SELECT id, name, ingest_key, created_at FROM projects WHERE name = ?'),
    projectByKey: db.prepare<[string], ProjectRow>('SELECT id, name, ingest_key, created_at FROM projects WHERE ingest_key = ?'),
    createProject: db.prepare<[string, string, string], ProjectRow>(`
      INSERT INTO projects (name, ingest_key, created_at) VALUES (?, ?, ?) ON CONFLICT (name) DO NOTHING
      RETURNING id, name, ingest_key, created_at`),
    setKey: db.prepare<[string, string], ProjectRow>('UPDATE projects SET ingest_key = ? WHERE name = ? RETURNING id, name, ingest_key, created_at'),
    projectCounts: db.prepare<[string], { groups: number; unresolved: number | null; events: number | null }>(
      'SELECT count(*) AS groups, sum(resolved = 0) AS unresolved, sum(count) AS events FROM errors WHERE project = ?',
    ),
    rememberEvent: db.prepare(`
      INSERT INTO sentry_events (project_id, event_id, received_at)
      SELECT id, ?, ? FROM projects WHERE name = ?
      ON CONFLICT (project_id, event_id) DO NOTHING`),
    forgetEvents: db.prepare(`
      DELETE FROM sentry_events
      WHERE seq <= (SELECT coalesce(max(seq), 0) FROM sentry_events) - ? OR received_at < ?`),
    // One text of comma-separated ids: stepping through 12,500 rows one by one cost as much again as the search.
    matchingIds: db.prepare<[string], string | null>('SELECT group_concat(rowid) FROM errors_fts WHERE errors_fts MATCH ?').pluck(),
    idsNewestFirst: db.prepare<[], number>('SELECT id FROM errors ORDER BY last_seen DESC, id DESC').pluck(),
    summariesByIds: db.prepare<[string, number, number], SummaryRow>(`
      SELECT ${SUMMARY_COLUMNS} FROM errors WHERE id IN (SELECT value FROM json_each(?))
      ORDER BY last_seen DESC, id DESC LIMIT ? OFFSET ?`),
    // The ids travel as one JSON array, so a whole page is one prepared statement and one read.
    hourlyCounts: db.prepare<[string, string, string], { error_id: number; hour: string; count: number }>(`
      SELECT error_id, hour, count FROM error_hourly_counts
      WHERE error_id IN (SELECT value FROM json_each(?)) AND hour >= ? AND hour <= ?`),
  };
  const tagStore = createTagStore(db);

  const projectList = createProjectList(db);

  // Ingest keys are checked on every report: cache the projects found. Only the store changes keys,
  // so rotateIngestKey evicts the old entry and rotation takes effect at once.
  const byKey = new Map<string, Project>();
  let eventIdsSincePrune = 0;

  // Projects known to exist, so the common case skips the INSERT; filled only after a commit.
  const knownProjects = new Set<string>();

  /**
   * One group's reports from one batch, in arrival order, written as one: a single UPDATE (count + k,
   * the newest message) and one hourly count per hour, and only the last five of them enter the
   * ring, the older ones being overwritten within the same transaction anyway. An incident (one
   * group reported thousands of times a second) then costs a few statements per commit, not a few
   * per report. Each report still gets its own result: its count, and `created` or `regression` on
   * the first one only, as if they had been written one after the other.
   */
  function writeGroup(reports: PreparedReport[]): IngestResult[] {
    const first = reports[0]!;
    const k = reports.length;
    let minTs = first.timestamp;
    // The newest by its own timestamp; of equal ones the last to arrive, as one by one would give.
    let newest = first;
    const hours = new Map<string, number>();
    for (const r of reports) {
      if (r.timestamp < minTs) minTs = r.timestamp;
      if (r.timestamp >= newest.timestamp) newest = r;
      const hour = hourKey(r.timestamp);
      hours.set(hour, (hours.get(hour) ?? 0) + 1);
    }
    const maxTs = newest.timestamp;
    // Only a group of the report's own project is ever updated. A fingerprint another project's group
    // holds (INSERT finds it taken) moves this project's group to a derived one (store/group-key.ts).
    let fingerprint = first.fingerprint;
    let updated: { id: number; count: number; resolved: number; source: Source; latest: number } | undefined;
    let id: number | undefined;
    for (let attempt = 0; id === undefined; attempt++) {
      if (attempt > SCOPED_ATTEMPTS) throw new Error('no free fingerprint for the group');
      if (attempt > 0) fingerprint = projectScopedFingerprint(first.fingerprint, first.project, attempt);
      updated = stmt.updateGroup.get(k, minTs, maxTs, maxTs, newest.message, maxTs, newest.release, maxTs, newest.environment, fingerprint, first.project, maxTs);
      // What the grouping fields say is the first report's; what changes from report to report
      // (message, traceback, release, environment, source) is the newest's.
      id = updated?.id ?? stmt.insertGroup.get(
        fingerprint, first.project, first.exceptionType, newest.message, first.file, first.line, first.function, newest.source, k, minTs, maxTs, newest.release, newest.environment,
      )?.id;
    }
    const latest = updated === undefined || updated.latest === 1;
    if (latest) stmt.setTraceback.run(id, newest.traceback);
    const regression = updated?.resolved === 1;
    if (regression) stmt.reopenGroup.run(id);
    if (updated && latest && updated.source !== newest.source) stmt.setSource.run(newest.source, id);
    const before = updated ? updated.count - k : 0;
    writeRing(id, before, reports);
    for (const [hour, n] of hours) stmt.countHour.run(id, hour, n);
    tagStore.count(id, reports, updated === undefined);
    return reports.map((_r, i) => ({
      id,
      fingerprint,
      count: before + i + 1,
      created: updated === undefined && i === 0,
      regression: regression && i === 0,
    }));
  }

  /** Writes the batch's reports that enter the ring (occurrence-ring.ts decides which, and where). */
  function writeRing(id: number, before: number, reports: PreparedReport[]): void {
    const ring = before > 0 ? stmt.ringOf.all(id) : [];
    for (const { index, seq, slot, overwrite } of placeInRing(ring, reports.map((r) => r.timestamp), before, OCCURRENCES_KEPT)) {
      const r = reports[index]!;
      const headers = r.requestHeadersJson !== undefined ? r.requestHeadersJson : json(r.requestHeaders);
      const extra = r.extraJson !== undefined ? r.extraJson : json(r.extra);
      const details = encodeDetails(r.details);
      if (overwrite) {
        stmt.overwriteOccurrence.run(seq, r.timestamp, r.message, r.requestUrl, r.requestMethod, headers, r.userId, extra, r.release, r.environment, details, id, slot);
      } else {
        stmt.insertOccurrence.run(id, slot, seq, r.timestamp, r.message, r.requestUrl, r.requestMethod, headers, r.userId, extra, r.release, r.environment, details);
      }
    }
  }

  function writeBatch(batch: Pending[]): Array<IngestResult | null> {
    const newProjects = new Set<string>();
    // IMMEDIATE: take the write lock before the first read, so a writer in another process is waited
    // out (busy_timeout) instead of failing the upgrade with SQLITE_BUSY_SNAPSHOT.
    const results = db.transaction(() => {
      const written: Array<IngestResult | null> = batch.map(() => null);
      // Positions in the batch of each group's reports, in arrival order; a resent event id has none.
      // Keyed by fingerprint and project: equal fingerprints of two projects are two groups.
      const byGroup = new Map<string, number[]>();
      batch.forEach(({ report: r, eventId }, i) => {
        if (!knownProjects.has(r.project) && !newProjects.has(r.project)) {
          stmt.ensureProject.run(r.project, newIngestKey(), now().toISOString());
          newProjects.add(r.project);
        }
        if (eventId !== undefined) {
          if (stmt.rememberEvent.run(eventId, now().toISOString(), r.project).changes === 0) return;
          eventIdsSincePrune++;
        }
        // A fingerprint is hex, never holding '\n': the first one ends it.
        const key = `${r.fingerprint}\n${r.project}`;
        const positions = byGroup.get(key);
        if (positions) positions.push(i);
        else byGroup.set(key, [i]);
      });
      for (const positions of byGroup.values()) {
        const groupResults = writeGroup(positions.map((i) => batch[i]!.report));
        positions.forEach((i, j) => (written[i] = groupResults[j]!));
      }
      if (eventIdsSincePrune >= EVENT_ID_PRUNE_EVERY) {
        eventIdsSincePrune = 0;
        stmt.forgetEvents.run(EVENT_IDS_KEPT, new Date(now().getTime() - EVENT_ID_TTL_MS).toISOString());
      }
      return written;
    }).immediate();
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
    let results: Array<IngestResult | null>;
    try {
      results = writeBatch(batch);
    } catch {
      // One bad report must not fail its neighbours: retry each alone, so only the culprit fails.
      const outcomes = batch.map((p) => {
        try {
          return { result: writeBatch([p])[0] ?? null };
        } catch (err) {
          return { err };
        }
      });
      const moved = fileMoved();
      batch.forEach((p, i) => {
        const o = outcomes[i]!;
        if (moved || 'err' in o) p.reject(moved ?? o.err);
        else p.resolve(o.result);
      });
      return;
    }
    // Committed is not yet acknowledged: only if the path still names the file written to.
    const moved = fileMoved();
    if (moved) batch.forEach((p) => p.reject(moved));
    else batch.forEach((p, i) => p.resolve(results[i] ?? null));
  }

  function scheduleFlush(): void {
    if (flushScheduled) return;
    flushScheduled = true;
    setImmediate(flush);
  }

  const listStatements = new Map<string, Statement<Record<string, unknown>>>();

  function listStatement(q: ListQuery, kind: ListKind): Statement<Record<string, unknown>> {
    const sql = listSql(q, kind);
    let s = listStatements.get(sql);
    if (!s) {
      s = db.prepare(sql);
      listStatements.set(sql, s);
    }
    return s;
  }

  function enqueue(report: PreparedReport, eventId?: string): Promise<IngestResult | null> {
    return new Promise<IngestResult | null>((resolve, reject) => {
      queue.push({ report, eventId, resolve, reject });
      scheduleFlush();
    });
  }

  function listErrorsNow(q: ListQuery): { errors: ErrorSummary[]; total: number } {
    const params: Record<string, unknown> = { limit: q.limit, offset: q.offset };
    if (q.project !== undefined) params.project = q.project;
    if (q.resolved !== undefined) params.resolved = q.resolved ? 1 : 0;
    if (q.source !== undefined) params.source = q.source;
    if (q.tags?.length) tagParams(q.tags, params);
    if (q.search !== undefined) {
      if (usesTrigrams(q.search)) params.match = ftsPhrase(q.search);
      else params.pattern = `%${escapeLike(q.search)}%`;
    }
    const { limit: _l, offset: _o, ...countParams } = params;
    const count = () => (listStatement(q, 'count').get(countParams) as { total: number }).total;
    if (params.match !== undefined) {
      const filtered = q.project !== undefined || q.resolved !== undefined || q.source !== undefined || Boolean(q.tags?.length);
      if (!filtered) return searchPage(params.match as string, q.limit, q.offset);
      // A bounded probe first tells a common term from a rare one, whose few matches are cheaper
      // read and sorted ('few').
      const { matches } = listStatement(q, 'probe').get({ match: params.match }) as { matches: number };
      if (matches > FEW_MATCHES) {
        // The matches are found once, the count and the page sharing them ('rows').
        const rows = listStatement(q, 'rows').all(params) as Array<SummaryRow & { total: number }>;
        // An empty page (past the end) carries no total.
        return { errors: rows.map(toSummary), total: rows[0]?.total ?? count() };
      }
      const total = count();
      if (total <= q.offset) return { errors: [], total };
      return { errors: (listStatement(q, 'few').all(params) as SummaryRow[]).map(toSummary), total };
    }
    const total = count();
    if (total <= q.offset) return { errors: [], total };
    return { errors: (listStatement(q, 'rows').all(params) as SummaryRow[]).map(toSummary), total };
  }

  /**
   * A search and no other filter: the trigram index is read once, for the ids of every match (the
   * total is their number). Few matches are read and sorted. Thousands go into a bit set, and the
   * sort index is walked newest first until the page is full: on 100,000 groups with 12,500
   * matching, about half the time of SQLite keeping the matches in a temporary b-tree for that walk
   * and counting them apart. Exact all the same: the index alone decides what matches.
   */
  function searchPage(match: string, limit: number, offset: number): { errors: ErrorSummary[]; total: number } {
    const ids = parseIds(stmt.matchingIds.get(match) ?? null);
    const total = ids.length;
    if (total <= offset) return { errors: [], total };
    if (total <= FEW_MATCHES) return { errors: stmt.summariesByIds.all(JSON.stringify(ids), limit, offset).map(toSummary), total };
    const members = new IdSet(ids);
    const page: number[] = [];
    let skipped = 0;
    for (const id of stmt.idsNewestFirst.iterate()) {
      if (!members.has(id)) continue;
      if (skipped < offset) skipped++;
      else if (page.push(id) === limit) break;
    }
    return { errors: stmt.summariesByIds.all(JSON.stringify(page), limit, 0).map(toSummary), total };
  }

  // One read transaction: the count and the page see the same data, whatever another process commits.
  const listInOneSnapshot = db.transaction(listErrorsNow);

  return {
    async ingest(report) {
      return (await enqueue(report))!;
    },

    ingestEvent(report, eventId) {
      return enqueue(report, eventId);
    },

    async listErrors(q) {
      return listInOneSnapshot.deferred(q);
    },

    async getError(id) {
      const row = stmt.getGroup.get(id);
      if (!row) return null;
      return { error: { ...toSummary(row), traceback: row.traceback }, occurrences: stmt.occurrences.all(id).map(toOccurrence), tags: tagStore.distributions(id) };
    },

    async setResolved(id, resolved) {
      const changed = stmt.setResolved.run(resolved ? 1 : 0, resolved ? now().toISOString() : null, id).changes > 0;
      throwIfMoved();
      return changed;
    },

    async listProjects() {
      return stmt.projects.all().map((r) => r.name);
    },

    async listProjectSummaries() {
      return projectList();
    },

    async cleanup({ resolvedBefore, hourlyCountsBefore, signal }) {
      const result: CleanupResult = { groupsDeleted: 0, hourlyCountsDeleted: 0, pagesFreed: 0 };
      // Counts first: afterwards each deleted group cascades to at most 14 days of them.
      let cursor = 0;
      for (;;) {
        if (signal?.aborted) return result;
        const deleted = stmt.deleteOldCounts.all(cursor, hourlyCountsBefore, COUNTS_PER_CLEANUP_BATCH);
        if (deleted.length === 0) break;
        result.hourlyCountsDeleted += deleted.length;
        cursor = Math.max(cursor, ...deleted.map((r) => r.error_id));
        await nextTurn();
      }
      while (resolvedBefore !== null) {
        if (signal?.aborted) return result;
        const { changes } = stmt.deleteResolved.run(resolvedBefore, GROUPS_PER_CLEANUP_BATCH);
        if (changes === 0) break;
        result.groupsDeleted += changes;
        await nextTurn();
      }
      // auto_vacuum = INCREMENTAL only marks pages free; this gives them back, a step at a time.
      const before = stmt.freePages.get()!.freelist_count;
      for (let free = before; free > 0; ) {
        if (signal?.aborted) break;
        db.exec(`PRAGMA incremental_vacuum(${PAGES_PER_VACUUM_STEP})`);
        const left = stmt.freePages.get()!.freelist_count;
        if (left >= free) break;
        free = left;
        await nextTurn();
      }
      result.pagesFreed = before - stmt.freePages.get()!.freelist_count;
      // In WAL mode the file shrinks only when the checkpoint copies the shrinking commit back.
      if (result.pagesFreed > 0) db.pragma('wal_checkpoint(PASSIVE)');
      refreshPlannerStatistics(db, 'periodic');
      return result;
    },

    async probeWrite() {
      // A committed write to the file header: needs the write lock, the WAL and an fsync, adds no rows.
      db.pragma(`application_id = ${APPLICATION_ID}`);
      throwIfMoved();
    },

    async getProject(name) {
      const row = stmt.projectByName.get(name);
      if (!row) return null;
      const c = stmt.projectCounts.get(name)!;
      return { ...toProject(row), groups: c.groups, unresolved: c.unresolved ?? 0, events: c.events ?? 0 } satisfies ProjectDetails;
    },

    async createProject(name) {
      const row = stmt.createProject.get(name, newIngestKey(), now().toISOString());
      throwIfMoved();
      if (row) knownProjects.add(name);
      return row ? toProject(row) : null;
    },

    async rotateIngestKey(name) {
      const row = stmt.setKey.get(newIngestKey(), name);
      if (!row) return null;
      for (const [key, p] of byKey) if (p.name === name) byKey.delete(key);
      throwIfMoved();
      return toProject(row);
    },

    async findProjectByKey(ingestKey) {
      const cached = byKey.get(ingestKey);
      if (cached) return cached;
      const row = stmt.projectByKey.get(ingestKey);
      if (!row) return null; // misses are not cached: guessed keys must not fill memory
      if (byKey.size >= KEY_CACHE_MAX) byKey.clear();
      const project = toProject(row);
      byKey.set(ingestKey, project);
      return project;
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
      try {
        // Leaves a single self-contained file behind (no -wal to carry along in a backup).
        db.pragma('wal_checkpoint(TRUNCATE)');
      } catch {
        // A read-only or vanished file cannot be checkpointed; closing still releases it.
      }
      db.close();
    },
  };
}

/**
 * Up to this many matches a search reads its matches and sorts them; above, it walks the sort index
 * and stops after a page (searchPage, and listSql for a search with other filters).
 */
const FEW_MATCHES = 2_000;

/**
 * `count` the matches; a page of `rows`. For a search from three characters with other filters (a
 * search alone is searchPage's), `rows` walks the sort index and each row carries the exact
 * `total`; `probe` counts its trigram matches up to FEW_MATCHES + 1, whatever the other filters;
 * `few` reads a page from few matches and sorts it.
 */
type ListKind = 'count' | 'rows' | 'probe' | 'few';

/** The list query for a filter set; exported so tests can check its query plan. */
export function listSql(q: Omit<ListQuery, 'limit' | 'offset'>, kind: ListKind): string {
  const where: string[] = [];
  if (q.project !== undefined) where.push('project = @project');
  if (q.resolved !== undefined) where.push('resolved = @resolved');
  if (q.source !== undefined) where.push('source = @source');
  if (q.tags?.length) where.push(...tagConditionSql(q.tags));
  const order = 'ORDER BY last_seen DESC, id DESC LIMIT @limit OFFSET @offset';
  if (q.search !== undefined && usesTrigrams(q.search)) {
    // Substring search through the trigram index (case-insensitive, Unicode letters included): the
    // index's phrase match is exact, so no LIKE re-reads the rows.
    const matching = 'SELECT rowid FROM errors_fts WHERE errors_fts MATCH @match';
    const filters = where.map((w) => `${w} AND `).join('');
    const clause = where.length ? `WHERE ${where.join(' AND ')}` : '';
    const matchIds = 'SELECT rowid AS match_id FROM errors_fts WHERE errors_fts MATCH @match';
    switch (kind) {
      case 'probe':
        return `SELECT count(*) AS matches FROM (${matching} LIMIT ${FEW_MATCHES + 1})`;
      // Few matches: each is looked up by id and tested against the filters. CROSS JOIN fixes that
      // order; left to itself the planner walked a filter's whole index instead (resolved=false: two
      // thirds of 100,000 groups, 8 ms against 0.3).
      case 'count':
        return `SELECT count(*) AS total FROM (${matchIds}) AS m CROSS JOIN errors ON errors.id = m.match_id ${clause}`;
      case 'few':
        return `SELECT ${SUMMARY_COLUMNS} FROM (${matchIds}) AS m CROSS JOIN errors ON errors.id = m.match_id ${clause} ${order}`;
      case 'rows': {
        // The matches are found once (MATERIALIZED) for both the count and the page; `+id` keeps the
        // planner on the sort index, testing membership, so a page is found within a few hundred
        // entries instead of sorting every match.
        return `WITH matching (id) AS MATERIALIZED (${matching})
          SELECT (SELECT count(*) FROM errors WHERE ${filters}id IN matching) AS total, ${SUMMARY_COLUMNS} FROM errors WHERE ${filters}+id IN matching ${order}`;
      }
    }
  }
  if (q.search !== undefined) {
    // Under three characters there is no trigram to look up (SQLite's LIKE folds ASCII only).
    where.push(`(exception_type LIKE @pattern ESCAPE '\\' OR message LIKE @pattern ESCAPE '\\' OR file LIKE @pattern ESCAPE '\\')`);
  }
  const clause = where.length ? `WHERE ${where.join(' AND ')}` : '';
  if (kind === 'count' && q.search === undefined && !q.tags?.length) {
    // Kept by triggers (migration 007): a sum over a few rows, whatever the number of groups.
    return `SELECT coalesce(sum(groups), 0) AS total FROM error_group_counts ${clause}`;
  }
  return kind === 'count' ? `SELECT count(*) AS total FROM errors ${clause}` : `SELECT ${SUMMARY_COLUMNS} FROM errors ${clause} ${order}`;
}

/**
 * Table statistics (ANALYZE, through PRAGMA optimize as SQLite advises for long-lived
 * connections: on open, and then periodically; here with each retention cleanup). Without them
 * the planner cannot tell a project (one in twenty groups) from a status (one in two): the
 * project's unresolved groups walked the whole status index and filtered it (0.7 ms on 100,000
 * groups, 0.34 with statistics), and a project filtered by source walked every group of that
 * source (72 ms, 14 with statistics). The analysis is sampled, about 0.3 s on 100,000 groups.
 * Failing (a read-only file) costs only the better plans.
 */
function refreshPlannerStatistics(db: Db, when: 'open' | 'periodic'): void {
  try {
    db.pragma(when === 'open' ? 'optimize = 0x10002' : 'optimize');
  } catch {
    // the plans without statistics still answer every query
  }
}

/** Lets queued requests (and their group commits) run between two cleanup batches. */
function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** group_concat's "3,17,42" (or NULL for no match) as numbers. */
function parseIds(text: string | null): number[] {
  const ids: number[] = [];
  if (text === null) return ids;
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 44 /* , */) {
      ids.push(n);
      n = 0;
    } else {
      n = n * 10 + (c - 48);
    }
  }
  ids.push(n);
  return ids;
}

/**
 * Membership of ids, as one bit each over their range: cheaper to fill and test than a Set of
 * thousands. A Set where the range is far wider than the ids (old groups matching with new ones).
 */
class IdSet {
  private readonly bits: Uint32Array | undefined;
  private readonly set: Set<number> | undefined;
  private readonly min: number;
  private readonly max: number;

  constructor(ids: number[]) {
    let min = Infinity;
    let max = -Infinity;
    for (const id of ids) {
      if (id < min) min = id;
      if (id > max) max = id;
    }
    this.min = min;
    this.max = max;
    const words = Math.floor((max - min) / 32) + 1;
    if (ids.length === 0 || words > 4 * ids.length + 1024) {
      this.set = new Set(ids);
      return;
    }
    this.bits = new Uint32Array(words);
    for (const id of ids) {
      const i = id - min;
      this.bits[i >>> 5]! |= 1 << (i & 31);
    }
  }

  has(id: number): boolean {
    if (this.set) return this.set.has(id);
    if (id < this.min || id > this.max) return false;
    const i = id - this.min;
    return (this.bits![i >>> 5]! & (1 << (i & 31))) !== 0;
  }
}

function newIngestKey(): string {
  return randomBytes(16).toString('hex');
}

function toProject(r: ProjectRow): Project {
  return { id: r.id, name: r.name, ingestKey: r.ingest_key, createdAt: r.created_at };
}

function escapeLike(s: string): string {
  return s.replace(/[\\%_]/g, (c) => `\\${c}`);
}

function usesTrigrams(search: string): boolean {
  return [...search].length >= 3;
}

/** The search as one FTS5 phrase, in the type, the message or the file: a substring under the trigram tokenizer. */
function ftsPhrase(search: string): string {
  // No column filter: the index holds only these columns, and a filter costs a third more time.
  return `"${search.replaceAll('"', '""')}"`;
}

function json(v: Record<string, unknown> | null): string | null {
  return v === null ? null : JSON.stringify(v);
}

function parseJson(s: string | null): Record<string, unknown> | null {
  return s === null ? null : (JSON.parse(s) as Record<string, unknown>);
}

function toSummary(r: SummaryRow): ErrorSummary {
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
    details: decodeDetails(r.details),
  };
}
