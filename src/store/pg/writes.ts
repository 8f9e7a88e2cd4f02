// The PostgreSQL write path: one group commit's reports in one transaction, a few multi-row statements per batch, groups locked in a fixed order.
import { projectScopedFingerprint, SCOPED_ATTEMPTS } from '../group-key.js';
import { hourKey } from '../hour-key.js';
import { placeInRing, type RingEntry } from '../occurrence-ring.js';
import type { AlertTrigger, IngestResult, PreparedReport, Source } from '../types.js';
import { writeRaisedAlerts } from './outbox-writes.js';
import type { Client } from './pool.js';
import { newIngestKey } from './projects.js';
import type { PgTagCounter } from './tags.js';

export const OCCURRENCES_KEPT = 5;
const EVENT_IDS_KEPT = 100_000;
const EVENT_ID_TTL_MS = 24 * 3600_000;
const EVENT_ID_PRUNE_EVERY = 1_000;

export interface BatchItem {
  report: PreparedReport;
  eventId?: string;
}

export interface PgWriterDeps {
  now: () => Date;
  tags: PgTagCounter;
  /** Projects known to exist (they are never deleted, so this holds across instances). */
  knownProjects: Set<string>;
}

interface GroupRow {
  id: number;
  fingerprint: string;
  project: string;
  count: number;
  resolved: boolean;
  source: Source;
  last_seen: string;
}

/** One group's reports in this batch. */
interface Pending {
  fingerprint: string;
  attempt: number;
  reports: PreparedReport[];
  positions: number[];
  minTs: string;
  newest: PreparedReport;
  row?: GroupRow;
  id?: number;
}

const q = (name: string, text: string) => ({ name, text });

const SQL = {
  ensureProjects: q('w_projects', `INSERT INTO projects (name, ingest_key, created_at)
    SELECT n, k, $3 FROM unnest($1::text[], $2::text[]) AS t (n, k) ORDER BY n ON CONFLICT (name) DO NOTHING`),
  // Both instances of a resent event insert the same key: the unique index lets one through.
  rememberEvents: q('w_events', `WITH ins AS (
      INSERT INTO sentry_events (project_id, event_id, received_at)
      SELECT p.id, e.eid, $3 FROM unnest($1::text[], $2::text[]) AS e (project, eid) JOIN projects p ON p.name = e.project
      ORDER BY p.id, e.eid
      ON CONFLICT (project_id, event_id) DO NOTHING RETURNING project_id, event_id)
    SELECT p.name AS project, ins.event_id FROM ins JOIN projects p ON p.id = ins.project_id`),
  forgetEvents: q('w_forget', `DELETE FROM sentry_events
    WHERE seq <= (SELECT coalesce(max(seq), 0) FROM sentry_events) - $1 OR received_at < $2`),
  // Transaction-scoped locks on the batch's fingerprints, taken in one order by every instance: two
  // batches sharing groups wait for each other instead of deadlocking, and a group's count, ring and
  // tags are read and written by one transaction at a time across the cluster.
  lockGroups: q('w_lock', `SELECT count(pg_advisory_xact_lock(k)) FROM (
      SELECT DISTINCT hashtextextended(f, 0) AS k FROM unnest($1::text[]) AS f ORDER BY 1) AS s`),
  readGroups: q('w_read', 'SELECT id, fingerprint, project, count, resolved, source, last_seen FROM errors WHERE fingerprint = ANY($1::text[])'),
  updateGroups: q('w_update', `UPDATE errors AS e SET
      count = e.count + v.k,
      first_seen = least(e.first_seen, v.min_ts),
      last_seen = greatest(e.last_seen, v.max_ts),
      message = CASE WHEN v.latest THEN v.message ELSE e.message END,
      release = CASE WHEN v.latest THEN v.release ELSE e.release END,
      environment = CASE WHEN v.latest THEN v.environment ELSE e.environment END,
      source = CASE WHEN v.latest THEN v.source ELSE e.source END,
      resolved = false,
      resolved_at = NULL
    FROM unnest($1::bigint[], $2::bigint[], $3::text[], $4::text[], $5::bool[], $6::text[], $7::text[], $8::text[], $9::text[])
      AS v (id, k, min_ts, max_ts, latest, message, release, environment, source)
    WHERE e.id = v.id`),
  insertGroups: q('w_insert', `INSERT INTO errors (fingerprint, project, exception_type, message, file, line, function, source,
                        count, first_seen, last_seen, release, environment)
    SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::int[], $7::text[], $8::text[],
                         $9::bigint[], $10::text[], $11::text[], $12::text[], $13::text[])
    ON CONFLICT (fingerprint) DO NOTHING
    RETURNING id, fingerprint`),
  tracebacks: q('w_tracebacks', `INSERT INTO error_tracebacks (error_id, traceback)
    SELECT * FROM unnest($1::bigint[], $2::text[])
    ON CONFLICT (error_id) DO UPDATE SET traceback = excluded.traceback WHERE error_tracebacks.traceback <> excluded.traceback`),
  rings: q('w_rings', 'SELECT error_id, slot, seq, timestamp FROM error_occurrences WHERE error_id = ANY($1::bigint[])'),
  writeRing: q('w_ring', `INSERT INTO error_occurrences (error_id, slot, seq, timestamp, message, request_url, request_method,
                                   request_headers, user_id, extra, release, environment, details)
    SELECT * FROM unnest($1::bigint[], $2::smallint[], $3::bigint[], $4::text[], $5::text[], $6::text[], $7::text[],
                         $8::text[], $9::text[], $10::text[], $11::text[], $12::text[], $13::text[])
    ON CONFLICT (error_id, slot) DO UPDATE SET
      seq = excluded.seq, timestamp = excluded.timestamp, message = excluded.message, request_url = excluded.request_url,
      request_method = excluded.request_method, request_headers = excluded.request_headers, user_id = excluded.user_id,
      extra = excluded.extra, release = excluded.release, environment = excluded.environment, details = excluded.details`),
  countHours: q('w_hours', `INSERT INTO error_hourly_counts (error_id, hour, count)
    SELECT * FROM unnest($1::bigint[], $2::text[], $3::bigint[])
    ON CONFLICT (error_id, hour) DO UPDATE SET count = error_hourly_counts.count + excluded.count`),
};

function json(v: Record<string, unknown> | null): string | null {
  return v === null ? null : JSON.stringify(v);
}

/** Returns the function that writes one batch inside the caller's transaction (null for a resent event id). */
export function createPgBatchWriter({ now, tags, knownProjects }: PgWriterDeps) {
  let eventIdsSincePrune = 0;

  /** `alerts`: the rules, run on the written groups in this transaction (outbox-writes.ts). */
  return async function writeBatch(c: Client, batch: BatchItem[], alerts?: AlertTrigger): Promise<Array<IngestResult | null>> {
    const written: Array<IngestResult | null> = batch.map(() => null);
    const at = now().toISOString();

    const newProjects = [...new Set(batch.map((b) => b.report.project))].filter((p) => !knownProjects.has(p)).sort();
    if (newProjects.length > 0) await c.query({ ...SQL.ensureProjects, values: [newProjects, newProjects.map(() => newIngestKey()), at] });

    // Event ids: a resend within the batch is dropped here, one across batches or instances by the index.
    const accepted = batch.map((b) => b.eventId === undefined);
    const withIds = new Map<string, number>();
    batch.forEach((b, i) => {
      if (b.eventId === undefined) return;
      const key = JSON.stringify([b.report.project, b.eventId]);
      if (!withIds.has(key)) withIds.set(key, i);
    });
    if (withIds.size > 0) {
      const items = [...withIds.values()].map((i) => batch[i]!);
      const { rows } = await c.query<{ project: string; event_id: string }>({
        ...SQL.rememberEvents,
        values: [items.map((b) => b.report.project), items.map((b) => b.eventId), at],
      });
      for (const r of rows) accepted[withIds.get(JSON.stringify([r.project, r.event_id]))!] = true;
      eventIdsSincePrune += rows.length;
    }

    const groups = new Map<string, Pending>();
    batch.forEach(({ report: r }, i) => {
      if (!accepted[i]) return;
      const key = `${r.fingerprint}\n${r.project}`;
      let g = groups.get(key);
      if (!g) groups.set(key, (g = { fingerprint: r.fingerprint, attempt: 0, reports: [], positions: [], minTs: r.timestamp, newest: r }));
      g.reports.push(r);
      g.positions.push(i);
      if (r.timestamp < g.minTs) g.minTs = r.timestamp;
      // The newest by its own timestamp; of equal ones the last to arrive.
      if (r.timestamp >= g.newest.timestamp) g.newest = r;
    });
    if (groups.size === 0) return written;

    // Each group's row under its lock; a fingerprint another project's group holds moves this
    // project's group to a derived one (store/group-key.ts), which is locked and read in turn.
    let unresolved = [...groups.values()];
    while (unresolved.length > 0) {
      const fps = unresolved.map((g) => g.fingerprint);
      await c.query({ ...SQL.lockGroups, values: [fps] });
      const { rows } = await c.query<GroupRow>({ ...SQL.readGroups, values: [fps] });
      const byFp = new Map(rows.map((r) => [r.fingerprint, r]));
      const next: Pending[] = [];
      for (const g of unresolved) {
        const row = byFp.get(g.fingerprint);
        if (row && row.project !== g.reports[0]!.project) {
          if (++g.attempt > SCOPED_ATTEMPTS) throw new Error('no free fingerprint for the group');
          g.fingerprint = projectScopedFingerprint(g.reports[0]!.fingerprint, g.reports[0]!.project, g.attempt);
          next.push(g);
        } else if (row) {
          g.row = row;
          g.id = row.id;
        }
      }
      unresolved = next;
    }

    const all = [...groups.values()];
    const existing = all.filter((g) => g.row);
    const fresh = all.filter((g) => !g.row);
    // Updates before inserts: resolving (an update of the group row, then of the counts) takes its
    // locks in the same order, so the two never wait on each other crosswise.
    if (existing.length > 0) {
      const latest = existing.map((g) => g.newest.timestamp >= g.row!.last_seen);
      await c.query({
        ...SQL.updateGroups,
        values: [
          existing.map((g) => g.id),
          existing.map((g) => g.reports.length),
          existing.map((g) => g.minTs),
          existing.map((g) => g.newest.timestamp),
          latest,
          existing.map((g) => g.newest.message),
          existing.map((g) => g.newest.release),
          existing.map((g) => g.newest.environment),
          existing.map((g) => g.newest.source),
        ],
      });
    }
    if (fresh.length > 0) {
      const first = (g: Pending) => g.reports[0]!;
      const { rows } = await c.query<{ id: number; fingerprint: string }>({
        ...SQL.insertGroups,
        values: [
          fresh.map((g) => g.fingerprint),
          fresh.map((g) => first(g).project),
          fresh.map((g) => first(g).exceptionType),
          fresh.map((g) => g.newest.message),
          fresh.map((g) => first(g).file),
          fresh.map((g) => first(g).line),
          fresh.map((g) => first(g).function),
          fresh.map((g) => g.newest.source),
          fresh.map((g) => g.reports.length),
          fresh.map((g) => g.minTs),
          fresh.map((g) => g.newest.timestamp),
          fresh.map((g) => g.newest.release),
          fresh.map((g) => g.newest.environment),
        ],
      });
      const ids = new Map(rows.map((r) => [r.fingerprint, r.id]));
      for (const g of fresh) {
        g.id = ids.get(g.fingerprint);
        // Cannot happen under the lock; a retry of the whole batch is the safe answer if it does.
        if (g.id === undefined) throw Object.assign(new Error('group inserted concurrently'), { code: '40001' });
      }
    }

    const tb = all.filter((g) => !g.row || g.newest.timestamp >= g.row.last_seen);
    await c.query({ ...SQL.tracebacks, values: [tb.map((g) => g.id), tb.map((g) => g.newest.traceback)] });

    await writeRings(c, all);

    const hours = new Map<string, number>();
    for (const g of all) for (const r of g.reports) {
      const key = `${g.id}\n${hourKey(r.timestamp)}`;
      hours.set(key, (hours.get(key) ?? 0) + 1);
    }
    const hourKeys = [...hours.keys()].sort();
    await c.query({
      ...SQL.countHours,
      values: [hourKeys.map((k) => Number(k.slice(0, k.indexOf('\n')))), hourKeys.map((k) => k.slice(k.indexOf('\n') + 1)), hourKeys.map((k) => hours.get(k))],
    });

    await tags.count(c, all.map((g) => ({ id: g.id!, reports: g.reports, created: !g.row })));

    if (eventIdsSincePrune >= EVENT_ID_PRUNE_EVERY) {
      eventIdsSincePrune = 0;
      await c.query({ ...SQL.forgetEvents, values: [EVENT_IDS_KEPT, new Date(now().getTime() - EVENT_ID_TTL_MS).toISOString()] });
    }

    for (const g of all) {
      const before = g.row ? g.row.count : 0;
      const regression = g.row?.resolved === true;
      g.positions.forEach((pos, j) => {
        written[pos] = { id: g.id!, fingerprint: g.fingerprint, count: before + j + 1, created: !g.row && j === 0, regression: regression && j === 0 };
      });
    }
    if (alerts) await writeRaisedAlerts(c, alerts, all.map((g) => ({ id: g.id!, created: !g.row, reports: g.reports, results: g.positions.map((p) => written[p]!) })));
    for (const p of newProjects) knownProjects.add(p);
    return written;
  };
}

/** The reports that enter each group's ring (occurrence-ring.ts decides which, and where), in one upsert. */
async function writeRings(c: Client, all: Pending[]): Promise<void> {
  const withRing = all.filter((g) => g.row && g.row.count > 0).map((g) => g.id!);
  const rings = new Map<number, RingEntry[]>();
  if (withRing.length > 0) {
    const { rows } = await c.query<RingEntry & { error_id: number }>({ ...SQL.rings, values: [withRing] });
    for (const r of rows) {
      let ring = rings.get(r.error_id);
      if (!ring) rings.set(r.error_id, (ring = []));
      ring.push({ slot: r.slot, seq: r.seq, timestamp: r.timestamp });
    }
  }
  const cols: unknown[][] = Array.from({ length: 13 }, () => []);
  for (const g of all) {
    const before = g.row ? g.row.count : 0;
    for (const { index, seq, slot } of placeInRing(rings.get(g.id!) ?? [], g.reports.map((r) => r.timestamp), before, OCCURRENCES_KEPT)) {
      const r = g.reports[index]!;
      const values = [
        g.id,
        slot,
        seq,
        r.timestamp,
        r.message,
        r.requestUrl,
        r.requestMethod,
        r.requestHeadersJson !== undefined ? r.requestHeadersJson : json(r.requestHeaders),
        r.userId,
        r.extraJson !== undefined ? r.extraJson : json(r.extra),
        r.release,
        r.environment,
        r.details == null ? null : JSON.stringify(r.details),
      ];
      values.forEach((v, i) => cols[i]!.push(v));
    }
  }
  if (cols[0]!.length > 0) await c.query({ ...SQL.writeRing, values: cols });
}
