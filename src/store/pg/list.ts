// The error list on PostgreSQL: filters, search through pg_trgm and paging; the total and the page in one statement (one snapshot).
import type { ErrorSummary, ListQuery, ListSort, Store } from '../types.js';
import type { Pool } from './pool.js';
import { SUMMARY_COLUMNS, toSummary, type SummaryRow } from './rows.js';

/** The list's SQL for a filter set, with its parameters in order; exported so tests and the measuring script can EXPLAIN it. */
export function listQuery(q: ListQuery): { text: string; values: unknown[]; countText: string } {
  const values: unknown[] = [];
  const p = (v: unknown) => `$${values.push(v)}`;
  const where: string[] = [];
  const countWhere: string[] = [];
  if (q.project !== undefined) where.push(`project = ${p(q.project)}`);
  if (q.resolved !== undefined) where.push(`resolved = ${p(q.resolved)}`);
  where.push(...statusSql(q.status));
  if (q.source !== undefined) where.push(`source = ${p(q.source)}`);
  countWhere.push(...where);
  for (const [key, value] of q.tags ?? []) {
    where.push(
      key === 'user'
        ? `id IN (SELECT error_id FROM error_tags WHERE key IN ('user.id', 'user.email') AND value = ${p(value)})`
        : `id IN (SELECT error_id FROM error_tags WHERE key = ${p(key)} AND value = ${p(value)})`,
    );
  }
  let pattern = '';
  if (q.search !== undefined) {
    // Substring, case-insensitive; from three characters on the trigram index finds the candidates.
    pattern = p(`%${escapeLike(q.search)}%`);
    where.push(`id IN (SELECT error_id FROM error_search WHERE body ILIKE ${pattern})`);
  }
  const clause = (w: string[]) => (w.length ? `WHERE ${w.join(' AND ')}` : '');
  let total: string;
  // Without a search or tags the total is a sum over the per-(project, status, source) counts (007).
  if (q.search === undefined && !q.tags?.length) total = `SELECT coalesce(sum(groups), 0)::bigint FROM error_group_counts ${clause(countWhere)}`;
  // A search alone: its matches counted in the search table (every row there is a group), no join;
  // by default less the ignored ones among them (few, through their partial index).
  else if (searchAlone(q)) {
    total = `SELECT count(*) FROM error_search WHERE body ILIKE ${pattern}`;
    const ignored = `SELECT count(*) FROM errors AS e JOIN error_search AS s ON s.error_id = e.id WHERE e.ignored AND s.body ILIKE ${pattern}`;
    if (q.status === undefined) total = `SELECT (${total}) - (${ignored})`;
  } else total = `SELECT count(*) FROM errors ${clause(where)}`;
  const n = values.length;
  const text = `SELECT (${total}) AS total, ${SUMMARY_COLUMNS} FROM errors ${clause(where)}
    ORDER BY ${SORT_COLUMN[q.sort ?? 'last_seen']} DESC, id DESC LIMIT $${n + 1} OFFSET $${n + 2}`;
  return { text, values: [...values, q.limit, q.offset], countText: total };
}

function searchAlone(q: ListQuery): boolean {
  const filtered = q.project !== undefined || q.resolved !== undefined || q.source !== undefined || Boolean(q.tags?.length);
  return q.search !== undefined && !filtered && (q.status === undefined || q.status === 'all');
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
