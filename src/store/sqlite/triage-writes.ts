// The write path's triage part: releases named by events, distinct users per group, reopening resolved-in-release and ignored groups.
import { compareReleases } from '../release-order.js';
import { hashUser, hourOf, userKeyOf, UsersSketch, type UserHash } from '../users-sketch.js';
import type { PreparedReport } from '../types.js';
import type { Db } from './open-database.js';

/** Releases remembered as stored (one process writes): past this many the set starts over. */
const MAX_KNOWN_RELEASES = 10_000;
/** Users whose hash is remembered (a user reports again and again; hashing costs more than a look-up). */
const MAX_CACHED_HASHES = 20_000;
/** Sketches kept in memory between commits, so a busy group's is not read back every commit. */
const MAX_CACHED_SKETCHES = 2_000;
/**
 * A changed sketch (and the group's users figure) is written at most this often, within a later
 * commit: a busy group with new users each commit would otherwise rewrite kilobytes per commit.
 * A crash (kill -9) can forget the new users of these last seconds; reports are never lost.
 */
export const USERS_WRITE_EVERY_MS = 30_000;

export function createTriageWriter(db: Db, now: () => Date) {
  const stmt = {
    ensureRelease: db.prepare<[string, string, string]>("INSERT INTO releases (project, version, created_at, created_by) VALUES (?, ?, ?, 'event') ON CONFLICT DO NOTHING"),
    releaseTime: db.prepare<[string, string], string>('SELECT created_at FROM releases WHERE project = ? AND version = ?').pluck(),
    countRegression: db.prepare<[string, string]>('UPDATE releases SET regressions = regressions + 1 WHERE project = ? AND version = ?'),
    readSketch: db.prepare<[number], Buffer>('SELECT sketch FROM error_users WHERE error_id = ?').pluck(),
    // A group deleted meanwhile (retention) takes nothing: its sketch is dropped.
    writeSketch: db.prepare<[number, Buffer, number]>(`INSERT INTO error_users (error_id, sketch) SELECT ?, ? WHERE EXISTS (SELECT 1 FROM errors WHERE id = ?)
      ON CONFLICT (error_id) DO UPDATE SET sketch = excluded.sketch`),
    setUsers: db.prepare<[number, number]>('UPDATE errors SET users = ? WHERE id = ?'),
    setFirstRelease: db.prepare<[string, number]>('UPDATE errors SET first_release = ? WHERE id = ?'),
    wake: db.prepare<[number]>(`UPDATE errors SET resolved = 0, resolved_at = NULL, resolved_in = NULL,
      ignored = 0, ignore_until = NULL, ignore_until_count = NULL, ignore_until_users = NULL WHERE id = ?`),
  };
  const knownReleases = new Set<string>();
  const newReleases = new Set<string>();
  const sketches = new Map<number, UsersSketch>();
  const hashes = new Map<string, UserHash>();
  function hashOf(key: string): UserHash {
    let h = hashes.get(key);
    if (h === undefined) {
      if (hashes.size >= MAX_CACHED_HASHES) hashes.clear();
      h = hashUser(key);
      hashes.set(key, h);
    }
    return h;
  }
  /** Sketches changed since written: group id -> when first changed (ms). */
  const dirty = new Map<number, number>();

  function write(id: number, s: UsersSketch): void {
    stmt.writeSketch.run(id, s.serialize(), id);
    stmt.setUsers.run(s.count(), id);
    dirty.delete(id);
  }

  function sketchOf(id: number, created: boolean): UsersSketch {
    let s = sketches.get(id);
    if (s) {
      // Most recently used last: the first entry is the one to evict.
      sketches.delete(id);
    } else {
      // A new group may reuse the id of a deleted one: its sketch starts empty whatever is cached.
      const blob = created ? undefined : stmt.readSketch.get(id);
      s = blob ? UsersSketch.deserialize(blob) : new UsersSketch();
    }
    sketches.set(id, s);
    if (sketches.size > MAX_CACHED_SKETCHES) {
      const [oldest, evicted] = sketches.entries().next().value!;
      if (dirty.has(oldest)) write(oldest, evicted);
      sketches.delete(oldest);
    }
    return s;
  }

  return {
    /** Records a release the first time an event names it (the common case is a set look-up). */
    noteRelease(r: PreparedReport): void {
      if (r.release === null) return;
      const key = `${r.project}\n${r.release}`;
      if (knownReleases.has(key) || newReleases.has(key)) return;
      stmt.ensureRelease.run(r.project, r.release, now().toISOString());
      newReleases.add(key);
    },

    /**
     * Adds the reports' users to the group's sketch; the users figure after each report, as if written
     * one by one (exact mode; past the cap, the figure after the batch, an estimate anyway).
     */
    countUsers(id: number, reports: PreparedReport[], created: boolean, stored: number): number[] {
      const keys = reports.map(userKeyOf);
      if (keys.every((k) => k === null)) return reports.map(() => stored);
      const sketch = sketchOf(id, created);
      const hour = hourOf(now());
      let changed = false;
      const figures = keys.map((k) => {
        if (k !== null) changed = sketch.add(hashOf(k), hour) || changed;
        return sketch.isExact ? sketch.count() : -1;
      });
      if (changed && !dirty.has(id)) dirty.set(id, now().getTime());
      const after = sketch.count();
      return figures.map((f) => (f === -1 ? after : f));
    },

    /** Writes the sketches changed longer ago than USERS_WRITE_EVERY_MS (all of them with `all`); inside a write transaction. */
    writeDueSketches(all = false): void {
      const due = now().getTime() - USERS_WRITE_EVERY_MS;
      for (const [id, since] of dirty) {
        if (all || since <= due) write(id, sketches.get(id)!);
      }
    },

    /** The group's sketch as this process knows it (newer than the stored one for up to USERS_WRITE_EVERY_MS). */
    cachedSketch(id: number): UsersSketch | undefined {
      return sketches.get(id);
    },

    hasUnwritten: () => dirty.size > 0,

    setFirstRelease(id: number, release: string): void {
      stmt.setFirstRelease.run(release, id);
    },

    /** Whether `release` is newer than `than` in the project's release order (release-order.ts). */
    isNewer(project: string, release: string, than: string): boolean {
      const at = (version: string) => ({ version, createdAt: stmt.releaseTime.get(project, version) ?? '' });
      const bound = at(than);
      // A bound no longer stored (deleted) cannot hold anything back.
      if (bound.createdAt === '') return true;
      return compareReleases(at(release), bound) > 0;
    },

    /** Reopens or wakes a group, clearing every condition (each wakes once); counts the regression on its release. */
    wake(id: number, project: string, release: string | null): void {
      stmt.wake.run(id);
      if (release !== null) stmt.countRegression.run(project, release);
    },

    committed(): void {
      if (knownReleases.size + newReleases.size > MAX_KNOWN_RELEASES) knownReleases.clear();
      for (const k of newReleases) knownReleases.add(k);
      newReleases.clear();
    },

    /**
     * The transaction rolled back: its new releases may not be stored. The sketches keep its users:
     * its reports are retried one by one, and adding a user twice changes nothing.
     */
    rolledBack(): void {
      newReleases.clear();
    },
  };
}
