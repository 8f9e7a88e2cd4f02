// The write path's triage part: releases named by events, distinct users per group, reopening resolved-in-release and ignored groups.
import { compareReleases } from '../release-order.js';
import { hashUser, hourOf, userKeyOf, UsersSketch } from '../users-sketch.js';
import type { PreparedReport } from '../types.js';
import type { Db } from './open-database.js';

/** Releases remembered as stored (one process writes): past this many the set starts over. */
const MAX_KNOWN_RELEASES = 10_000;
/** Sketches kept in memory between commits, so a busy group's is not read back every commit. */
const MAX_CACHED_SKETCHES = 1_000;

export function createTriageWriter(db: Db, now: () => Date) {
  const stmt = {
    ensureRelease: db.prepare<[string, string, string]>("INSERT INTO releases (project, version, created_at, created_by) VALUES (?, ?, ?, 'event') ON CONFLICT DO NOTHING"),
    releaseTime: db.prepare<[string, string], string>('SELECT created_at FROM releases WHERE project = ? AND version = ?').pluck(),
    countRegression: db.prepare<[string, string]>('UPDATE releases SET regressions = regressions + 1 WHERE project = ? AND version = ?'),
    readSketch: db.prepare<[number], Buffer>('SELECT sketch FROM error_users WHERE error_id = ?').pluck(),
    writeSketch: db.prepare<[number, Buffer]>('INSERT INTO error_users (error_id, sketch) VALUES (?, ?) ON CONFLICT (error_id) DO UPDATE SET sketch = excluded.sketch'),
    setUsers: db.prepare<[number, number]>('UPDATE errors SET users = ? WHERE id = ?'),
    setFirstRelease: db.prepare<[string, number]>('UPDATE errors SET first_release = ? WHERE id = ?'),
    wake: db.prepare<[number]>(`UPDATE errors SET resolved = 0, resolved_at = NULL, resolved_in = NULL,
      ignored = 0, ignore_until = NULL, ignore_until_count = NULL, ignore_until_users = NULL WHERE id = ?`),
  };
  const knownReleases = new Set<string>();
  const newReleases = new Set<string>();
  const sketches = new Map<number, UsersSketch>();

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
    if (sketches.size > MAX_CACHED_SKETCHES) sketches.delete(sketches.keys().next().value!);
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

    /** Adds the reports' users to the group's sketch; the users figure afterwards (`stored` when unchanged). */
    countUsers(id: number, reports: PreparedReport[], created: boolean, stored: number): number {
      const keys = new Set<string>();
      for (const r of reports) {
        const k = userKeyOf(r);
        if (k !== null) keys.add(k);
      }
      if (keys.size === 0) return stored;
      const sketch = sketchOf(id, created);
      const hour = hourOf(now());
      let changed = false;
      for (const k of keys) changed = sketch.add(hashUser(k), hour) || changed;
      if (!changed) return stored;
      stmt.writeSketch.run(id, sketch.serialize());
      const users = sketch.count();
      if (users !== stored) stmt.setUsers.run(users, id);
      return users;
    },

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

    /** The transaction rolled back: what this process remembers from it may not be stored. */
    rolledBack(): void {
      newReleases.clear();
      sketches.clear();
    },
  };
}
