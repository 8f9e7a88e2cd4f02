// Tags on PostgreSQL: per-group value counts written with the group commit (capped as in SQLite), read as distributions, used as list filters.
import { OTHER, tagPairs, TOP_VALUES } from '../sqlite/tags.js';
import type { PreparedReport, TagDistribution } from '../types.js';
import type { Client, Pool } from './pool.js';
import { pgText } from './text.js';

/** Rows per group at most: new tag names beyond it are not counted (as in SQLite). */
const MAX_ROWS_PER_GROUP = 1_000;
const MAX_CACHED = 20_000;

export interface GroupTags {
  id: number;
  reports: readonly PreparedReport[];
  /** Created in this batch: nothing to read. */
  created: boolean;
}

export interface PgTagCounter {
  /** Inside the batch's transaction, with the groups locked (writes.ts). */
  count(c: Client, groups: GroupTags[]): Promise<void>;
}

/**
 * The caps need the group's state (the kept values of a tag, its number of rows). What is cached
 * stays true on every instance: a kept value is never removed, and a tag with TOP_VALUES values
 * never gains another. Anything else is read under the group's lock.
 */
export function createPgTagCounter(): PgTagCounter {
  /** group id + key -> the values known to have their own row; `full` once it has TOP_VALUES. */
  const known = new Map<string, { values: Set<string>; full: boolean }>();

  function remember(slot: string, values: Iterable<string>, full: boolean): void {
    if (known.size >= MAX_CACHED) known.clear();
    known.set(slot, { values: new Set(values), full });
  }

  return {
    async count(c, groups) {
      // Per group: (key, value) -> n
      const wanted = groups.map((g) => {
        const counts = new Map<string, Map<string, number>>();
        for (const r of g.reports) {
          for (const [k0, v0] of tagPairs(r)) {
            const k = pgText(k0);
            const v = pgText(v0);
            let byValue = counts.get(k);
            if (!byValue) counts.set(k, (byValue = new Map()));
            byValue.set(v, (byValue.get(v) ?? 0) + 1);
          }
        }
        return { g, counts };
      });

      // What must be read: keys of existing groups with a value the cache cannot place.
      const askIds: number[] = [];
      const askKeys: string[] = [];
      for (const { g, counts } of wanted) {
        if (g.created) continue;
        for (const [k, byValue] of counts) {
          const kn = known.get(`${g.id}\0${k}`);
          if (kn && (kn.full || [...byValue.keys()].every((v) => kn.values.has(v)))) continue;
          askIds.push(g.id);
          askKeys.push(k);
        }
      }
      const state = new Map<string, Set<string>>();
      const rowsOf = new Map<number, number>();
      if (askIds.length > 0) {
        const { rows } = await c.query<{ error_id: number; key: string; value: string }>({
          name: 't_values',
          text: `SELECT t.error_id, t.key, t.value FROM error_tags AS t
            JOIN unnest($1::bigint[], $2::text[]) AS q (id, key) ON t.error_id = q.id AND t.key = q.key WHERE t.value <> ''`,
          values: [askIds, askKeys],
        });
        askIds.forEach((id, i) => state.set(`${id}\0${askKeys[i]}`, new Set()));
        for (const r of rows) state.get(`${r.error_id}\0${r.key}`)!.add(r.value);
        const needTotals = [...new Set(askIds.filter((id, i) => state.get(`${id}\0${askKeys[i]}`)!.size === 0))];
        if (needTotals.length > 0) {
          const totals = await c.query<{ error_id: number; n: number }>({
            name: 't_totals',
            text: 'SELECT error_id, count(*)::int AS n FROM error_tags WHERE error_id = ANY($1::bigint[]) GROUP BY error_id',
            values: [needTotals],
          });
          for (const r of totals.rows) rowsOf.set(r.error_id, r.n);
        }
      }

      const ids: number[] = [];
      const keys: string[] = [];
      const values: string[] = [];
      const ns: number[] = [];
      for (const { g, counts } of wanted) {
        let rows = g.created ? 0 : (rowsOf.get(g.id) ?? 0);
        for (const [k, byValue] of counts) {
          const slot = `${g.id}\0${k}`;
          const kn = known.get(slot);
          const read = state.get(slot);
          // The key's kept values as they stand, or null when it has no row yet.
          let kept: Set<string> | null;
          if (g.created) kept = null;
          else if (read) kept = read.size > 0 ? read : null;
          else kept = kn!.values;
          const full = kn?.full === true && !read;
          if (kept === null) {
            // A new key: counted only while the group has room for it.
            if (rows >= MAX_ROWS_PER_GROUP) continue;
            kept = new Set();
          }
          let other = 0;
          for (const [v, n] of byValue) {
            if (kept.has(v) || (!full && kept.size < TOP_VALUES)) {
              if (!kept.has(v)) rows++;
              kept.add(v);
              ids.push(g.id);
              keys.push(k);
              values.push(v);
              ns.push(n);
            } else {
              other += n;
            }
          }
          if (other > 0) {
            ids.push(g.id);
            keys.push(k);
            values.push(OTHER);
            ns.push(other);
          }
          remember(slot, kept, full || kept.size >= TOP_VALUES);
        }
      }
      if (ids.length === 0) return;
      await c.query({
        name: 't_write',
        text: `INSERT INTO error_tags (error_id, key, value, count)
          SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::bigint[])
          ON CONFLICT (error_id, key, value) DO UPDATE SET count = error_tags.count + excluded.count`,
        values: [ids, keys, values, ns],
      });
    },
  };
}

/** Per tag: its values, most seen first, and how many fell beyond the top ones. */
export async function readTagDistributions(pool: Pool, errorId: number): Promise<TagDistribution[]> {
  const { rows } = await pool.query<{ key: string; value: string; count: number }>({
    name: 't_read',
    text: 'SELECT key, value, count FROM error_tags WHERE error_id = $1 ORDER BY key, count DESC, value',
    values: [errorId],
  });
  const byKey = new Map<string, TagDistribution>();
  for (const { key, value, count } of rows) {
    let d = byKey.get(key);
    if (!d) byKey.set(key, (d = { key, total: 0, values: [], other: 0 }));
    d.total += count;
    if (value === OTHER) d.other += count;
    else d.values.push({ value, count });
  }
  return [...byKey.values()];
}
