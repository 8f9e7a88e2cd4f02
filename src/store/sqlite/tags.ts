// Tags first class in SQLite: per-group value counts written with the group commit, read as distributions, used as list filters.
import type { Db } from './open-database.js';
import type { PreparedReport, TagDistribution } from '../types.js';

/** Distinct values kept per tag and group; later new values count as OTHER. */
export const TOP_VALUES = 20;
/** Rows per group at most: new tag names beyond it are not counted. */
const MAX_ROWS_PER_GROUP = 1_000;
/** The value that counts every value beyond the top ones (a real tag value is never empty). */
export const OTHER = '';

/** The (key, value) pairs a report counts under: its tags, then what every list filter needs. */
export function tagPairs(r: PreparedReport): Array<[string, string]> {
  const pairs: Array<[string, string]> = r.details?.tags ? Object.entries(r.details.tags) : [];
  if (r.release) pairs.push(['release', r.release]);
  if (r.environment) pairs.push(['environment', r.environment]);
  if (r.details?.level) pairs.push(['level', r.details.level]);
  const user = r.details?.user;
  const userId = user?.id ?? r.userId;
  if (userId) pairs.push(['user.id', userId]);
  if (user?.email) pairs.push(['user.email', user.email]);
  // An event's own tag named like a derived one is counted once.
  const seen = new Set<string>();
  return pairs.filter(([k, v]) => v !== OTHER && !seen.has(`${k}\0${v}`) && seen.add(`${k}\0${v}`));
}

export function createTagStore(db: Db) {
  // Named parameters: better-sqlite3 binds numbered ones (?1) only by position, not by reuse.
  const add = db.prepare<[{ id: number; key: string; value: string; n: number }], { value: string }>(`
    INSERT INTO error_tags (error_id, key, value, count)
    SELECT @id, @key, CASE
        WHEN EXISTS (SELECT 1 FROM error_tags WHERE error_id = @id AND key = @key AND value = @value) THEN @value
        WHEN (SELECT count(*) FROM error_tags WHERE error_id = @id AND key = @key) < ${TOP_VALUES} THEN @value
        ELSE '${OTHER}' END, @n
    WHERE EXISTS (SELECT 1 FROM error_tags WHERE error_id = @id AND key = @key)
       OR (SELECT count(*) FROM error_tags WHERE error_id = @id) < ${MAX_ROWS_PER_GROUP}
    ON CONFLICT (error_id, key, value) DO UPDATE SET count = count + excluded.count
    RETURNING value`);
  const read = db.prepare<[number], { key: string; value: string; count: number }>(
    'SELECT key, value, count FROM error_tags WHERE error_id = ? ORDER BY key, count DESC, value',
  );

  const keptValues = db.prepare<[number, string], string>(`SELECT value FROM error_tags WHERE error_id = ? AND key = ? AND value <> '${OTHER}'`).pluck();
  /**
   * The kept values of tags that are full (group id, key -> values): a user id or a request id
   * takes a new value with most reports, and each would cost a statement only to land in OTHER.
   * Known full, a new value is folded into one OTHER count per batch. Bounded; emptied when full.
   */
  const full = new Map<string, Set<string>>();
  const MAX_FULL = 5_000;
  /**
   * Values known to have their own row (group id, key -> values): a repeat (the same release,
   * environment or tag value, most reports) is a plain indexed UPDATE instead of the INSERT above and
   * its three look-ups. A row gone meanwhile (retention) changes nothing and falls back to the INSERT.
   */
  const bump = db.prepare<[number, number, string, string]>('UPDATE error_tags SET count = count + ? WHERE error_id = ? AND key = ? AND value = ?');
  const present = new Map<string, Set<string>>();
  const MAX_PRESENT = 20_000;

  return {
    /** One group's reports of one batch: each (key, value) once, with its count. Inside the caller's transaction. */
    count(errorId: number, reports: readonly PreparedReport[], created: boolean): void {
      const counts = new Map<string, number>();
      for (const r of reports) for (const [k, v] of tagPairs(r)) counts.set(`${k}\0${v}`, (counts.get(`${k}\0${v}`) ?? 0) + 1);
      const other = new Map<string, number>();
      for (const [kv, n] of counts) {
        const cut = kv.indexOf('\0');
        const key = kv.slice(0, cut);
        const value = kv.slice(cut + 1);
        const slot = `${errorId}\0${key}`;
        // A group id may be reused after retention deleted the newest group: a new group starts empty.
        if (created) {
          full.delete(slot);
          present.delete(slot);
        }
        if (present.get(slot)?.has(value) && bump.run(n, errorId, key, value).changes === 1) continue;
        const kept = full.get(slot);
        if (kept && !kept.has(value)) {
          other.set(key, (other.get(key) ?? 0) + n);
          continue;
        }
        const landed = add.get({ id: errorId, key, value, n });
        if (landed?.value === value) {
          let values = present.get(slot);
          if (!values) {
            if (present.size >= MAX_PRESENT) present.clear();
            present.set(slot, (values = new Set()));
          }
          values.add(value);
        }
        if (landed?.value === OTHER && !kept) {
          if (full.size >= MAX_FULL) full.clear();
          full.set(slot, new Set(keptValues.all(errorId, key)));
        }
      }
      for (const [key, n] of other) add.get({ id: errorId, key, value: OTHER, n });
    },

    /** Per tag: its values, most seen first, and how many fell beyond the top ones. */
    distributions(errorId: number): TagDistribution[] {
      const byKey = new Map<string, TagDistribution>();
      for (const { key, value, count } of read.all(errorId)) {
        let d = byKey.get(key);
        if (!d) byKey.set(key, (d = { key, total: 0, values: [], other: 0 }));
        d.total += count;
        if (value === OTHER) d.other += count;
        else d.values.push({ value, count });
      }
      return [...byKey.values()];
    },
  };
}

/** A list filter on tags as SQL, one condition per pair (ANDed); `user` matches user.id or user.email. */
export function tagConditionSql(tags: ReadonlyArray<readonly [string, string]>): string[] {
  return tags.map(([key], i) =>
    key === 'user'
      ? `id IN (SELECT error_id FROM error_tags WHERE key IN ('user.id', 'user.email') AND value = @tagValue${i})`
      : `id IN (SELECT error_id FROM error_tags WHERE key = @tagKey${i} AND value = @tagValue${i})`,
  );
}

/** The parameters of tagConditionSql's conditions. */
export function tagParams(tags: ReadonlyArray<readonly [string, string]>, params: Record<string, unknown>): void {
  tags.forEach(([key, value], i) => {
    if (key !== 'user') params[`tagKey${i}`] = key;
    params[`tagValue${i}`] = value;
  });
}
