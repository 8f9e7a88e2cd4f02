// Triage on PostgreSQL: resolve (in a release), ignore, reopen, one group or many in one transaction under the groups' locks; a release's activity; a group's users.
import { compareReleases } from '../release-order.js';
import { hourOf, UsersSketch } from '../users-sketch.js';
import type { GroupUsers, ReleaseActivity, Store, TriageAction, TriageOutcome } from '../types.js';
import { OTHER } from '../sqlite/tags.js';
import { inTransaction, isRetryable, type Client, type Pool } from './pool.js';

/** The releases of a project weighed for "the one now current": its newest by creation, then ordered (as on SQLite). */
const CURRENT_RELEASE_CANDIDATES = 200;

const q = (name: string, text: string) => ({ name, text });
const SQL = {
  // The lock the write path takes on each group (writes.ts lockGroups), in the same order: a triage
  // and a batch writing the group go one after the other, so a wake-up never undoes a triage.
  lock: q('g_lock', `SELECT count(pg_advisory_xact_lock(k)) FROM (
      SELECT DISTINCT hashtextextended(fingerprint, 0) AS k FROM errors WHERE id = ANY($1::bigint[]) ORDER BY 1) AS s`),
  groups: q('g_groups', 'SELECT id, project, count, users FROM errors WHERE id = ANY($1::bigint[])'),
  release: q('g_release', 'SELECT 1 FROM releases WHERE project = $1 AND version = $2'),
  newest: q('g_newest', 'SELECT version, created_at FROM releases WHERE project = $1 ORDER BY created_at DESC LIMIT $2'),
  resolve: q('g_resolve', `UPDATE errors AS e SET resolved = true, resolved_at = $3, resolved_in = t.r,
      ignored = false, ignore_until = NULL, ignore_until_count = NULL, ignore_until_users = NULL
    FROM unnest($1::bigint[], $2::text[]) AS t (id, r) WHERE e.id = t.id`),
  ignore: q('g_ignore', `UPDATE errors AS e SET ignored = true, ignore_until = $2, ignore_until_count = t.c, ignore_until_users = t.u,
      resolved = false, resolved_at = NULL, resolved_in = NULL
    FROM unnest($1::bigint[], $3::bigint[], $4::bigint[]) AS t (id, c, u) WHERE e.id = t.id`),
  reopen: q('g_reopen', `UPDATE errors SET resolved = false, resolved_at = NULL, resolved_in = NULL,
      ignored = false, ignore_until = NULL, ignore_until_count = NULL, ignore_until_users = NULL WHERE id = ANY($1::bigint[])`),
  newGroups: q('g_new', `SELECT first_release AS version, count(*)::bigint AS n FROM errors
    WHERE project = $1 AND first_release = ANY($2::text[]) GROUP BY first_release`),
  // A release's occurrences, from the per-group release counts (tags.ts) of the project's groups.
  events: q('g_events', `SELECT t.value AS version, sum(t.count)::bigint AS n FROM error_tags AS t JOIN errors AS e ON e.id = t.error_id
    WHERE t.key = 'release' AND t.value = ANY($2::text[]) AND e.project = $1 GROUP BY t.value`),
  regressions: q('g_regressions', 'SELECT version, regressions AS n FROM releases WHERE project = $1 AND version = ANY($2::text[])'),
  sketch: q('g_sketch', 'SELECT sketch FROM error_users WHERE error_id = $1'),
};

/** A deadlock with a batch over the shared per-status counts (rare) is retried whole. */
const RETRIES = 5;

/** Runs fn in a transaction of its own, again after a deadlock. */
export async function inRetriedTransaction<T>(pool: Pool, fn: (c: Client) => Promise<T>): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await inTransaction(pool, fn);
    } catch (err) {
      if (!isRetryable(err) || attempt >= RETRIES) throw err;
    }
  }
}

/** Takes the groups' locks (the write path's, in its order); the caller's transaction holds them until it ends. */
export async function lockGroups(c: Client, ids: number[]): Promise<void> {
  await c.query({ ...SQL.lock, values: [ids] });
}

export function createPgTriage(pool: Pool, { now }: { now: () => Date }): Pick<Store, 'triage' | 'releaseActivity'> & { usersOf(id: number): Promise<GroupUsers> } {
  /** The project's current release: the newest in release order among its latest created. */
  async function currentRelease(c: Client, project: string): Promise<string | null> {
    const { rows } = await c.query<{ version: string; created_at: string }>({ ...SQL.newest, values: [project, CURRENT_RELEASE_CANDIDATES] });
    let best: { version: string; createdAt: string } | null = null;
    for (const r of rows) {
      const p = { version: r.version, createdAt: r.created_at };
      if (!best || compareReleases(p, best) > 0) best = p;
    }
    return best?.version ?? null;
  }

  async function run(c: Client, ids: number[], a: TriageAction): Promise<TriageOutcome> {
    await lockGroups(c, ids);
    const { rows } = await c.query<{ id: number; project: string; count: number; users: number }>({ ...SQL.groups, values: [ids] });
    const byId = new Map(rows.map((r) => [r.id, r]));
    const changed = ids.filter((id) => byId.has(id));
    const missing = ids.filter((id) => !byId.has(id));
    if (changed.length === 0) return { ok: true, changed, missing };
    const groups = changed.map((id) => byId.get(id)!);
    if (a.action === 'resolve') {
      const inRelease = new Map<string, string | null>();
      for (const project of new Set(groups.map((g) => g.project))) {
        if (a.inRelease === undefined) inRelease.set(project, null);
        else if (a.inRelease === 'next') {
          const current = await currentRelease(c, project);
          if (current === null) return { ok: false, reason: 'no_release', project };
          inRelease.set(project, current);
        } else {
          const known = await c.query({ ...SQL.release, values: [project, a.inRelease] });
          if (known.rows.length === 0) return { ok: false, reason: 'unknown_release', project };
          inRelease.set(project, a.inRelease);
        }
      }
      await c.query({ ...SQL.resolve, values: [changed, groups.map((g) => inRelease.get(g.project)), now().toISOString()] });
    } else if (a.action === 'ignore') {
      // Relative conditions become absolute thresholds now, so a wake needs no history.
      await c.query({
        ...SQL.ignore,
        values: [changed, a.until ?? null, groups.map((g) => (a.untilCount !== undefined ? g.count + a.untilCount : null)), groups.map((g) => (a.untilUsers !== undefined ? g.users + a.untilUsers : null))],
      });
    } else {
      await c.query({ ...SQL.reopen, values: [changed] });
    }
    return { ok: true, changed, missing };
  }

  return {
    async triage(ids, action) {
      // Every check comes before the first write: a refusal changes nothing (all or nothing).
      return inRetriedTransaction(pool, (c) => run(c, ids, action));
    },

    async releaseActivity(project, versions) {
      const names = versions.filter((v) => v !== OTHER);
      const [created, events, regressions] = await Promise.all(
        [SQL.newGroups, SQL.events, SQL.regressions].map((s) => pool.query<{ version: string; n: number }>({ ...s, values: [project, names] })),
      );
      const of = (r: { rows: Array<{ version: string; n: number }> }) => new Map(r.rows.map((x) => [x.version, x.n]));
      const [n, e, g] = [of(created!), of(events!), of(regressions!)];
      const out = new Map<string, ReleaseActivity>();
      for (const v of versions) out.set(v, { newGroups: n.get(v) ?? 0, events: e.get(v) ?? 0, regressions: g.get(v) ?? 0 });
      return out;
    },

    async usersOf(id) {
      const { rows } = await pool.query<{ sketch: Buffer }>({ ...SQL.sketch, values: [id] });
      if (!rows[0]) return { total: 0, last24h: 0, exact: true };
      const s = UsersSketch.deserialize(rows[0].sketch);
      return { total: s.count(), last24h: s.countRecent(hourOf(now())), exact: s.isExact };
    },
  };
}
