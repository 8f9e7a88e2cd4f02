// Triage writes and reads: resolve (in a release), ignore, reopen, one group or many in one transaction; a release's activity; a group's users.
import { compareReleases } from '../release-order.js';
import { hourOf, UsersSketch } from '../users-sketch.js';
import type { GroupUsers, ReleaseActivity, Store, TriageAction, TriageOutcome } from '../types.js';
import type { Db } from './open-database.js';
import { OTHER } from './tags.js';

export interface TriageDeps {
  now: () => Date;
  throwIfMoved: () => void;
  /** The writer's sketch of a group, newer than the stored one for a few seconds. */
  cachedSketch: (id: number) => UsersSketch | undefined;
}

/** The releases of a project weighed for "the one now current": its newest by creation, then ordered. */
const CURRENT_RELEASE_CANDIDATES = 200;

export function createTriage(db: Db, { now, throwIfMoved, cachedSketch }: TriageDeps): Pick<Store, 'triage' | 'releaseActivity'> & { usersOf(id: number): GroupUsers } {
  const stmt = {
    group: db.prepare<[number], { id: number; project: string; count: number; users: number }>('SELECT id, project, count, users FROM errors WHERE id = ?'),
    resolve: db.prepare<[string, string | null, number]>(`UPDATE errors SET resolved = 1, resolved_at = ?, resolved_in = ?,
      ignored = 0, ignore_until = NULL, ignore_until_count = NULL, ignore_until_users = NULL WHERE id = ?`),
    ignore: db.prepare<[string | null, number | null, number | null, number]>(`UPDATE errors SET ignored = 1, ignore_until = ?, ignore_until_count = ?, ignore_until_users = ?,
      resolved = 0, resolved_at = NULL, resolved_in = NULL WHERE id = ?`),
    reopen: db.prepare<[number]>(`UPDATE errors SET resolved = 0, resolved_at = NULL, resolved_in = NULL,
      ignored = 0, ignore_until = NULL, ignore_until_count = NULL, ignore_until_users = NULL WHERE id = ?`),
    release: db.prepare<[string, string], { version: string; created_at: string }>('SELECT version, created_at FROM releases WHERE project = ? AND version = ?'),
    newest: db.prepare<[string, number], { version: string; created_at: string }>('SELECT version, created_at FROM releases WHERE project = ? ORDER BY created_at DESC LIMIT ?'),
    newGroups: db.prepare<[string, string], number>('SELECT count(*) FROM errors WHERE project = ? AND first_release = ?').pluck(),
    // A release's occurrences, from the per-group release counts (tags.ts) of the project's groups.
    events: db.prepare<[string, string], number>(`
      SELECT coalesce(sum(t.count), 0) FROM error_tags AS t JOIN errors AS e ON e.id = t.error_id
      WHERE t.key = 'release' AND t.value = ? AND e.project = ? AND t.value <> '${OTHER}'`).pluck(),
    regressions: db.prepare<[string, string], number>('SELECT regressions FROM releases WHERE project = ? AND version = ?').pluck(),
    sketch: db.prepare<[number], Buffer>('SELECT sketch FROM error_users WHERE error_id = ?').pluck(),
  };

  /** The project's current release: the newest in release order among its latest created. */
  function currentRelease(project: string): string | null {
    const rows = stmt.newest.all(project, CURRENT_RELEASE_CANDIDATES);
    let best: { version: string; createdAt: string } | null = null;
    for (const r of rows) {
      const p = { version: r.version, createdAt: r.created_at };
      if (!best || compareReleases(p, best) > 0) best = p;
    }
    return best?.version ?? null;
  }

  const run = db.transaction((ids: number[], a: TriageAction): TriageOutcome & { ok: true } => {
    const changed: number[] = [];
    const missing: number[] = [];
    const at = now().toISOString();
    for (const id of ids) {
      const g = stmt.group.get(id);
      if (!g) {
        missing.push(id);
        continue;
      }
      if (a.action === 'resolve') {
        let inRelease: string | null = null;
        if (a.inRelease === 'next') {
          inRelease = currentRelease(g.project);
          if (inRelease === null) throw new Refusal('no_release', g.project);
        } else if (a.inRelease !== undefined) {
          if (!stmt.release.get(g.project, a.inRelease)) throw new Refusal('unknown_release', g.project);
          inRelease = a.inRelease;
        }
        stmt.resolve.run(at, inRelease, id);
      } else if (a.action === 'ignore') {
        // Relative conditions become absolute thresholds now, so a wake needs no history.
        stmt.ignore.run(a.until ?? null, a.untilCount !== undefined ? g.count + a.untilCount : null, a.untilUsers !== undefined ? (cachedSketch(id)?.count() ?? g.users) + a.untilUsers : null, id);
      } else {
        stmt.reopen.run(id);
      }
      changed.push(id);
    }
    return { ok: true, changed, missing };
  });

  return {
    async triage(ids, action) {
      let outcome: TriageOutcome;
      try {
        outcome = run.immediate(ids, action);
      } catch (err) {
        // Thrown inside, so the groups changed before it are rolled back: all or nothing.
        if (err instanceof Refusal) return { ok: false, reason: err.reason, project: err.project };
        throw err;
      }
      throwIfMoved();
      return outcome;
    },

    async releaseActivity(project, versions) {
      const out = new Map<string, ReleaseActivity>();
      for (const v of versions) {
        out.set(v, { newGroups: stmt.newGroups.get(project, v)!, events: stmt.events.get(v, project)!, regressions: stmt.regressions.get(project, v) ?? 0 });
      }
      return out;
    },

    usersOf(id) {
      let s = cachedSketch(id);
      if (!s) {
        const blob = stmt.sketch.get(id);
        if (!blob) return { total: 0, last24h: 0, exact: true };
        s = UsersSketch.deserialize(blob);
      }
      return { total: s.count(), last24h: s.countRecent(hourOf(now())), exact: s.isExact };
    },
  };
}

class Refusal extends Error {
  constructor(
    readonly reason: 'unknown_release' | 'no_release',
    readonly project: string,
  ) {
    super(reason);
  }
}
