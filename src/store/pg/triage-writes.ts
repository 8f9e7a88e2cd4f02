// The PostgreSQL write path's triage part: releases named by events, distinct users merged under the group's lock, first release, waking resolved-in-release and ignored groups.
import { compareReleases } from '../release-order.js';
import { hashUser, hourOf, userKeyOf, UsersSketch, type UserHash } from '../users-sketch.js';
import type { PreparedReport } from '../types.js';
import { wakingReport } from '../wake.js';
import type { Client } from './pool.js';

/** The group row's triage columns, read under the group's lock (writes.ts readGroups). */
export const TRIAGE_COLUMNS = 'first_release, users, resolved_in, ignored, ignore_until, ignore_until_count, ignore_until_users';

export interface TriageRow {
  count: number;
  resolved: boolean;
  first_release: string | null;
  users: number;
  resolved_in: string | null;
  ignored: boolean;
  ignore_until: string | null;
  ignore_until_count: number | null;
  ignore_until_users: number | null;
}

/** What the batch does to a group's triage state, decided under its lock before the group is written. */
export interface TriagePlan {
  /** The batch's first release, for a group that has none yet (else null: unchanged). */
  firstRelease: string | null;
  /** The users figure after each report, as if written one by one (past the exact cap: after the batch). */
  users: number[];
  /** The figure to store, or null when the users did not change. */
  usersAfter: number | null;
  /** The report that reopens or wakes the group, or -1. */
  waking: number;
  /** The merged sketch to store, when it changed. */
  sketch: UsersSketch | null;
}

/** One group's reports of the batch, as writes.ts holds them. */
export interface TriageGroup {
  reports: PreparedReport[];
  row?: TriageRow;
  id?: number;
  triage?: TriagePlan;
}

/** Releases remembered as stored: past this many the set starts over. */
const MAX_KNOWN_RELEASES = 10_000;
/** Users whose hash is remembered (a user reports again and again; hashing costs more than a look-up). */
const MAX_CACHED_HASHES = 20_000;
/** Sketches as last read (committed), so a batch of known users reads and writes nothing. */
const MAX_CACHED_SKETCHES = 2_000;

const q = (name: string, text: string) => ({ name, text });
const SQL = {
  // Sorted, before any group lock: two instances naming the same new release wait for each other, never crosswise.
  ensureReleases: q('tw_releases', `INSERT INTO releases (project, version, created_at, created_by)
    SELECT p, v, $3, 'event' FROM unnest($1::text[], $2::text[]) AS t (p, v) ORDER BY p, v
    ON CONFLICT DO NOTHING RETURNING project, version`),
  releaseTimes: q('tw_times', `SELECT r.project, r.version, r.created_at FROM releases AS r
    JOIN unnest($1::text[], $2::text[]) AS t (p, v) ON r.project = t.p AND r.version = t.v`),
  readSketches: q('tw_sketches', 'SELECT error_id, sketch FROM error_users WHERE error_id = ANY($1::bigint[])'),
  writeSketches: q('tw_write', `INSERT INTO error_users (error_id, sketch) SELECT * FROM unnest($1::bigint[], $2::bytea[])
    ON CONFLICT (error_id) DO UPDATE SET sketch = excluded.sketch`),
  wake: q('tw_wake', `UPDATE errors SET resolved = false, resolved_at = NULL, resolved_in = NULL,
    ignored = false, ignore_until = NULL, ignore_until_count = NULL, ignore_until_users = NULL WHERE id = ANY($1::bigint[])`),
  countRegressions: q('tw_regressions', `UPDATE releases AS r SET regressions = r.regressions + t.n
    FROM unnest($1::text[], $2::text[], $3::bigint[]) AS t (p, v, n) WHERE r.project = t.p AND r.version = t.v`),
};

export function createPgTriageWriter({ now }: { now: () => Date }) {
  /** Releases known to be committed (a release is never deleted, so this holds on every instance). */
  const knownReleases = new Set<string>();
  const hashes = new Map<string, UserHash>();
  /**
   * Group id -> its sketch as last read under its lock: committed, and a sketch only ever grows
   * (a union), so users this one already holds change nothing in the stored one either.
   */
  const readSketches = new Map<number, UsersSketch>();

  function hashOf(key: string): UserHash {
    let h = hashes.get(key);
    if (h === undefined) {
      if (hashes.size >= MAX_CACHED_HASHES) hashes.clear();
      h = hashUser(key);
      hashes.set(key, h);
    }
    return h;
  }

  function remember(id: number, s: UsersSketch): void {
    readSketches.delete(id);
    if (readSketches.size >= MAX_CACHED_SKETCHES) readSketches.delete(readSketches.keys().next().value!);
    readSketches.set(id, s);
  }

  return {
    /** Records the releases events name, the first time; inside the batch's transaction, before the group locks. */
    async noteReleases(c: Client, reports: PreparedReport[]): Promise<void> {
      const pairs = new Map<string, [string, string]>();
      for (const r of reports) {
        if (r.release === null) continue;
        const key = releaseKey(r.project, r.release);
        if (!knownReleases.has(key)) pairs.set(key, [r.project, r.release]);
      }
      if (pairs.size === 0) return;
      const list = [...pairs.values()];
      const { rows } = await c.query<{ project: string; version: string }>({ ...SQL.ensureReleases, values: [list.map((p) => p[0]), list.map((p) => p[1]), now().toISOString()] });
      // Only those another transaction committed are known for sure; ours are known after a later batch.
      const inserted = new Set(rows.map((r) => releaseKey(r.project, r.version)));
      if (knownReleases.size + pairs.size > MAX_KNOWN_RELEASES) knownReleases.clear();
      for (const key of pairs.keys()) if (!inserted.has(key)) knownReleases.add(key);
    },

    /** Decides each group's users, first release and wake-up, under the groups' locks, before they are written. */
    async plan(c: Client, groups: TriageGroup[]): Promise<void> {
      const hour = hourOf(now());
      const at = now().toISOString();
      const keysOf = new Map<TriageGroup, Array<UserHash | null>>();
      const toRead: number[] = [];
      for (const g of groups) {
        const keys = g.reports.map((r) => {
          const k = userKeyOf(r);
          return k === null ? null : hashOf(k);
        });
        if (keys.every((k) => k === null)) continue;
        const cached = g.row ? readSketches.get(g.id!) : undefined;
        if (cached && keys.every((k) => k === null || cached.covers(k, hour))) continue;
        keysOf.set(g, keys);
        if (g.row) toRead.push(g.id!);
      }
      const stored = new Map<number, Buffer>();
      if (toRead.length > 0) {
        const { rows } = await c.query<{ error_id: number; sketch: Buffer }>({ ...SQL.readSketches, values: [toRead] });
        for (const r of rows) {
          stored.set(r.error_id, r.sketch);
          remember(r.error_id, UsersSketch.deserialize(r.sketch));
        }
      }
      const times = await releaseTimes(c, groups);
      for (const g of groups) {
        const before = g.row?.users ?? 0;
        const plan: TriagePlan = { firstRelease: null, users: g.reports.map(() => before), usersAfter: null, waking: -1, sketch: null };
        g.triage = plan;
        if (!g.row?.first_release) plan.firstRelease = g.reports.find((r) => r.release !== null)?.release ?? null;
        const keys = keysOf.get(g);
        if (keys) {
          const blob = g.row ? stored.get(g.id!) : undefined;
          const sketch = blob ? UsersSketch.deserialize(blob) : new UsersSketch();
          let changed = false;
          const figures = keys.map((k) => {
            if (k !== null) changed = sketch.add(k, hour) || changed;
            return sketch.isExact ? sketch.count() : -1;
          });
          const after = sketch.count();
          plan.users = figures.map((f) => (f === -1 ? after : f));
          if (changed) {
            plan.sketch = sketch;
            plan.usersAfter = after;
          }
        }
        const row = g.row;
        if (!row) continue;
        const project = g.reports[0]!.project;
        const isNewer = (release: string) => {
          const bound = times.get(releaseKey(project, row.resolved_in!));
          // A bound no longer stored cannot hold anything back.
          if (bound === undefined) return true;
          return compareReleases({ version: release, createdAt: times.get(releaseKey(project, release)) ?? '' }, { version: row.resolved_in!, createdAt: bound }) > 0;
        };
        const state = {
          resolved: row.resolved,
          resolvedIn: row.resolved_in,
          ignored: row.ignored,
          ignoreUntil: row.ignore_until,
          ignoreUntilCount: row.ignore_until_count,
          ignoreUntilUsers: row.ignore_until_users,
        };
        plan.waking = wakingReport(state, g.reports, row.count, plan.users.at(-1)!, at, isNewer);
      }
    },

    /** Writes what plan decided that the group row does not carry: sketches, wake-ups, regressions per release (groups have their ids now). */
    async write(c: Client, groups: TriageGroup[]): Promise<void> {
      const withSketch = groups.filter((g) => g.triage!.sketch !== null);
      if (withSketch.length > 0) {
        await c.query({ ...SQL.writeSketches, values: [withSketch.map((g) => g.id), withSketch.map((g) => g.triage!.sketch!.serialize())] });
      }
      const waking = groups.filter((g) => g.triage!.waking >= 0);
      if (waking.length === 0) return;
      await c.query({ ...SQL.wake, values: [waking.map((g) => g.id)] });
      const regressions = new Map<string, { project: string; version: string; n: number }>();
      for (const g of waking) {
        const r = g.reports[g.triage!.waking]!;
        if (r.release === null) continue;
        const key = JSON.stringify([r.project, r.release]);
        const entry = regressions.get(key) ?? regressions.set(key, { project: r.project, version: r.release, n: 0 }).get(key)!;
        entry.n++;
      }
      // In one order on every instance: two batches counting on the same releases never deadlock.
      const list = [...regressions.entries()].sort((x, y) => (x[0] < y[0] ? -1 : 1)).map((e) => e[1]);
      if (list.length > 0) await c.query({ ...SQL.countRegressions, values: [list.map((e) => e.project), list.map((e) => e.version), list.map((e) => e.n)] });
    },
  };
}

const releaseKey = (project: string, version: string) => JSON.stringify([project, version]);

/** Creation times of the releases that resolved-in-release groups are weighed against (those groups only: rare). */
async function releaseTimes(c: Client, groups: TriageGroup[]): Promise<Map<string, string>> {
  const projects: string[] = [];
  const versions: string[] = [];
  for (const g of groups) {
    if (!g.row?.resolved || g.row.resolved_in === null) continue;
    for (const v of [g.row.resolved_in, ...g.reports.map((r) => r.release)]) {
      if (v === null) continue;
      projects.push(g.reports[0]!.project);
      versions.push(v);
    }
  }
  const times = new Map<string, string>();
  if (projects.length === 0) return times;
  const { rows } = await c.query<{ project: string; version: string; created_at: string }>({ ...SQL.releaseTimes, values: [projects, versions] });
  for (const r of rows) times.set(releaseKey(r.project, r.version), r.created_at);
  return times;
}
