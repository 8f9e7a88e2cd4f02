// The SQLite store's write path: one group commit's reports written in one IMMEDIATE transaction, a group's reports folded into one write.
import { projectScopedFingerprint, SCOPED_ATTEMPTS } from '../group-key.js';
import { hourKey } from '../hour-key.js';
import { encodeDetails } from '../occurrence-details.js';
import { placeInRing, type RingEntry } from '../occurrence-ring.js';
import type { IngestResult, PreparedReport, Source } from '../types.js';
import type { Db } from './open-database.js';
import { newIngestKey } from './projects.js';
import { json } from './rows.js';
import type { createTagStore } from './tags.js';
import { createTriageWriter } from './triage-writes.js';
import { wakingReport } from '../wake.js';

/** Ring size of kept occurrences per group. */
export const OCCURRENCES_KEPT = 5;
/** Sentry event ids remembered for dedup: resends come within seconds, so a day and 100k ids are plenty. */
const EVENT_IDS_KEPT = 100_000;
const EVENT_ID_TTL_MS = 24 * 3600_000;
/** Forgetting old event ids runs once per this many recorded ids, not on every write. */
const EVENT_ID_PRUNE_EVERY = 1_000;

/** A report of a batch, with the Sentry event id it came under, if any. */
export interface BatchItem {
  report: PreparedReport;
  eventId?: string;
}

export interface WriterDeps {
  now: () => Date;
  tagStore: ReturnType<typeof createTagStore>;
  /** Projects known to exist, so the common case skips the INSERT; filled only after a commit. */
  knownProjects: Set<string>;
}

/** Prepares the write statements once; returns the function that writes one batch (null for a resent event id). */
export function createBatchWriter(db: Db, { now, tagStore, knownProjects }: WriterDeps) {
  const stmt = {
    // Positional parameters throughout the write path: binding by name costs a lookup per value.
    insertGroup: db.prepare<unknown[], { id: number }>(`
      INSERT INTO errors (fingerprint, project, exception_type, message, file, line, function, source,
                          count, first_seen, last_seen, release, environment, first_release)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
      ON CONFLICT (fingerprint) DO NOTHING
      RETURNING id`),
    // Finds and updates the group in one statement. `resolved` and `source` are not set here: RETURNING
    // gives their values from before this report, and the indexes on them stay untouched unless
    // they change (rarely), which reopenGroup and setSource do.
    // What changes from report to report is the newest occurrence's by its own timestamp, not the
    // last to arrive: a back-dated report (an SDK's offline queue) leaves them alone. Every SET reads
    // the row as it was, so `? >= last_seen` compares with the previous newest; `latest` says whether
    // this batch's newest became the group's.
    updateGroup: db.prepare<unknown[], UpdatedRow>(`
      UPDATE errors SET
        count = count + ?,
        last_seen = max(last_seen, ?),
        message = CASE WHEN ? >= last_seen THEN ? ELSE message END,
        release = CASE WHEN ? >= last_seen THEN ? ELSE release END,
        environment = CASE WHEN ? >= last_seen THEN ? ELSE environment END
      WHERE fingerprint = ? AND project = ?
      RETURNING id, count, resolved, source, last_seen = ? AS latest, first_seen, first_release, users,
        resolved_in, ignored, ignore_until, ignore_until_count, ignore_until_users`),
    // A repeat mostly brings the same traceback: then the comparison reads the row and writes nothing.
    setTraceback: db.prepare<[number, string]>(`
      INSERT INTO error_tracebacks (error_id, traceback) VALUES (?, ?)
      ON CONFLICT (error_id) DO UPDATE SET traceback = excluded.traceback WHERE traceback <> excluded.traceback`),
    setSource: db.prepare<[Source, number]>('UPDATE errors SET source = ? WHERE id = ?'),
    // Apart, and only for a back-dated report: setting first_seen rewrites its index entry (sort=first_seen) even unchanged.
    setFirstSeen: db.prepare<[string, number]>('UPDATE errors SET first_seen = ? WHERE id = ?'),
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
    rememberEvent: db.prepare(`
      INSERT INTO sentry_events (project_id, event_id, received_at)
      SELECT id, ?, ? FROM projects WHERE name = ?
      ON CONFLICT (project_id, event_id) DO NOTHING`),
    forgetEvents: db.prepare(`
      DELETE FROM sentry_events
      WHERE seq <= (SELECT coalesce(max(seq), 0) FROM sentry_events) - ? OR received_at < ?`),
  };

  let eventIdsSincePrune = 0;
  const triage = createTriageWriter(db, now);

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
    const firstRelease = reports.find((r) => r.release !== null)?.release ?? null;
    // Only a group of the report's own project is ever updated. A fingerprint another project's group
    // holds (INSERT finds it taken) moves this project's group to a derived one (store/group-key.ts).
    let fingerprint = first.fingerprint;
    let updated: UpdatedRow | undefined;
    let id: number | undefined;
    for (let attempt = 0; id === undefined; attempt++) {
      if (attempt > SCOPED_ATTEMPTS) throw new Error('no free fingerprint for the group');
      if (attempt > 0) fingerprint = projectScopedFingerprint(first.fingerprint, first.project, attempt);
      updated = stmt.updateGroup.get(k, maxTs, maxTs, newest.message, maxTs, newest.release, maxTs, newest.environment, fingerprint, first.project, maxTs);
      // What the grouping fields say is the first report's; what changes from report to report
      // (message, traceback, release, environment, source) is the newest's.
      id = updated?.id ?? stmt.insertGroup.get(
        fingerprint, first.project, first.exceptionType, newest.message, first.file, first.line, first.function, newest.source, k, minTs, maxTs, newest.release, newest.environment, firstRelease,
      )?.id;
    }
    const latest = updated === undefined || updated.latest === 1;
    if (latest) stmt.setTraceback.run(id, newest.traceback);
    const created = updated === undefined;
    const before = updated ? updated.count - k : 0;
    if (updated && updated.first_release === null && firstRelease !== null) triage.setFirstRelease(id, firstRelease);
    const usersAfter = triage.countUsers(id, reports, created, updated?.users ?? 0);
    const users = usersAfter.at(-1)!;
    // A resolved group reopens, an ignored one wakes, at the report that meets its condition (wake.ts).
    const waking = updated ? wakingReport(groupState(updated), reports, before, users, now().toISOString(), (r) => triage.isNewer(first.project, r, updated!.resolved_in!)) : -1;
    if (waking >= 0) triage.wake(id, first.project, reports[waking]!.release);
    if (updated && minTs < updated.first_seen) stmt.setFirstSeen.run(minTs, id);
    if (updated && latest && updated.source !== newest.source) stmt.setSource.run(newest.source, id);
    writeRing(id, before, reports);
    for (const [hour, n] of hours) stmt.countHour.run(id, hour, n);
    tagStore.count(id, reports, updated === undefined);
    return reports.map((_r, i) => ({
      id,
      fingerprint,
      count: before + i + 1,
      created: created && i === 0,
      regression: i === waking,
      users: usersAfter[i]!,
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

  function writeBatch(batch: BatchItem[]): Array<IngestResult | null> {
    const newProjects = new Set<string>();
    // IMMEDIATE: take the write lock before the first read, so a writer in another process is waited
    // out (busy_timeout) instead of failing the upgrade with SQLITE_BUSY_SNAPSHOT.
    const inTransaction = db.transaction(() => {
      const written: Array<IngestResult | null> = batch.map(() => null);
      // Positions in the batch of each group's reports, in arrival order; a resent event id has none.
      // Keyed by fingerprint and project: equal fingerprints of two projects are two groups.
      const byGroup = new Map<string, number[]>();
      batch.forEach(({ report: r, eventId }, i) => {
        triage.noteRelease(r);
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
      triage.writeDueSketches();
      if (eventIdsSincePrune >= EVENT_ID_PRUNE_EVERY) {
        eventIdsSincePrune = 0;
        stmt.forgetEvents.run(EVENT_IDS_KEPT, new Date(now().getTime() - EVENT_ID_TTL_MS).toISOString());
      }
      return written;
    });
    let results: Array<IngestResult | null>;
    try {
      results = inTransaction.immediate();
    } catch (err) {
      triage.rolledBack();
      throw err;
    }
    triage.committed();
    for (const name of newProjects) knownProjects.add(name);
    return results;
  }

  return {
    writeBatch,
    /** Writes what is only in memory yet (users sketches): all of it before closing, else what is due. */
    writePending: (all: boolean) => {
      if (triage.hasUnwritten()) db.transaction(() => triage.writeDueSketches(all)).immediate();
    },
    cachedSketch: triage.cachedSketch,
  };
}

/** The group as the write's UPDATE found it (RETURNING gives the values from before the report). */
interface UpdatedRow {
  id: number;
  count: number;
  resolved: number;
  source: Source;
  latest: number;
  first_seen: string;
  first_release: string | null;
  users: number;
  resolved_in: string | null;
  ignored: number;
  ignore_until: string | null;
  ignore_until_count: number | null;
  ignore_until_users: number | null;
}

function groupState(u: UpdatedRow) {
  return {
    resolved: u.resolved === 1,
    resolvedIn: u.resolved_in,
    ignored: u.ignored === 1,
    ignoreUntil: u.ignore_until,
    ignoreUntilCount: u.ignore_until_count,
    ignoreUntilUsers: u.ignore_until_users,
  };
}
