// The error list on PostgreSQL: filters, search through pg_trgm and paging; the total and the page in one statement (one snapshot).
import type { ErrorSummary, ListQuery, ListSort, Store } from '../types.js';
import type { Pool } from './pool.js';
import { SUMMARY_COLUMNS, toSummary, type SummaryRow } from './rows.js';

/** The list's SQL for a filter set, with its parameters in order; exported so tests and the measuring script can EXPLAIN it. */
export function listQuery(q: ListQuery): { text: string; values: unknown[]; countText: string } {
  const values: unknown[] = [];
  const p = (v: unknown) => `$${values.push(v)}`;
  const where: string[] = [];
  /** The tag and search filters: each a set of group ids. */
  const members: string[] = [];
  if (q.project !== undefined) where.push(`project = ${p(q.project)}`);
  if (q.resolved !== undefined) where.push(`resolved = ${p(q.resolved)}`);
  where.push(...statusSql(q.status));
  if (q.source !== undefined) where.push(`source = ${p(q.source)}`);
  const plain = [...where];
  for (const [key, value] of q.tags ?? []) {
    // A group may hold the value under both user keys: DISTINCT, so a count of matches stays exact.
    members.push(
      key === 'user'
        ? `SELECT DISTINCT error_id FROM error_tags WHERE key IN ('user.id', 'user.email') AND value = ${p(value)}`
        : `SELECT error_id FROM error_tags WHERE key = ${p(key)} AND value = ${p(value)}`,
    );
  }
  let matching = '';
  if (q.search !== undefined) {
    // Substring, case-insensitive; from three characters on the trigram index finds the candidates.
    matching = `body ILIKE ${p(`%${escapeLike(q.search)}%`)}`;
    members.push(`SELECT error_id FROM error_search WHERE ${matching}`);
  }
  where.push(...members.map((m) => `id IN (${m})`));
  const clause = (w: string[]) => (w.length ? `WHERE ${w.join(' AND ')}` : '');
  let total: string;
  // Without a search or tags the total is a sum over the per-(project, status, source) counts (007).
  if (members.length === 0) total = `SELECT coalesce(sum(groups), 0)::bigint FROM error_group_counts ${clause(plain)}`;
  // A search without tags: counted in the search table, which carries the filters' columns (015).
  else if (!q.tags?.length) total = `SELECT count(*) FROM error_search ${clause([matching, ...plain])}`;
  else {
    // The first tag's matches, each looked up by id and tested against the other filters.
    // A correlated scalar subquery is never flattened into a join: the planner, left to itself, hashed
    // the matches and read every group to join them (a tag with the unresolved filter: 100 ms against
    // 19 at 100,000 groups), as its default random_page_cost prices the lookups too high for a cache.
    const rest = [...plain, ...members.slice(1).map((m) => `e.id IN (${m})`)];
    total = `SELECT count(*) FROM (${members[0]}) AS m (id) WHERE (SELECT ${rest.join(' AND ') || 'true'} FROM errors AS e WHERE e.id = m.id)`;
  }
  const n = values.length;
  const text = `SELECT (${total}) AS total, ${SUMMARY_COLUMNS} FROM errors ${clause(where)}
    ORDER BY ${SORT_COLUMN[q.sort ?? 'last_seen']} DESC, id DESC LIMIT $${n + 1} OFFSET $${n + 2}`;
  return { text, values: [...values, q.limit, q.offset], countText: total };
}

/** Each sort walks its own index (migrations 001 and 015); the column names are fixed, never from input. */
const SORT_COLUMN: Record<ListSort, string> = { last_seen: 'last_seen', first_seen: 'first_seen', count: 'count', users: 'users' };

/**
 * The status filter as literal conditions (so the planner can use the partial index of ignored
 * groups); no status hides the ignored groups and shows the rest, as on SQLite.
 */
function statusSql(status: ListQuery['status']): string[] {
  switch (status) {
    case 'all':
      return [];
    case 'ignored':
      return ['ignored'];
    case 'resolved':
      return ['resolved', 'NOT ignored'];
    case 'unresolved':
      return ['NOT resolved', 'NOT ignored'];
    default:
      return ['NOT ignored'];
  }
}

export function escapeLike(s: string): string {
  return s.replace(/[\\%_]/g, (c) => `\\${c}`);
}

export function createPgListReader(pool: Pool): Pick<Store, 'listErrors'> {
  return {
    async listErrors(q) {
      const { text, values, countText } = listQuery(q);
      // A statement per filter shape: prepared once per connection, named by its text's shape.
      const { rows } = await pool.query<SummaryRow & { total: number }>({ name: `l_${hash(text)}`, text, values });
      if (rows.length > 0) return { errors: rows.map(toSummary), total: rows[0]!.total };
      // An empty page (past the end) carries no total.
      const counted = await pool.query<{ total: number }>({ text: `SELECT (${countText}) AS total`, values: values.slice(0, -2) });
      return { errors: [] as ErrorSummary[], total: counted.rows[0]!.total };
    },
  };
}

function hash(s: string): string {
  let h = 0;
  for (let i = 0; i < s.length; i++) h = (Math.imul(h, 31) + s.charCodeAt(i)) | 0;
  return (h >>> 0).toString(36);
}
