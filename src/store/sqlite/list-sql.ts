// The list query's SQL for a filter set and a kind of read: which index it walks, and how a search finds its matches.
import type { ListQuery, ListSort } from '../types.js';
import { SUMMARY_COLUMNS } from './rows.js';
import { tagConditionSql } from './tags.js';

/**
 * Up to this many matches a search reads its matches and sorts them; above, it walks the sort index
 * and stops after a page (searchPage, and listSql for a search with other filters).
 */
export const FEW_MATCHES = 2_000;

/**
 * `count` the matches; a page of `rows`. For a search from three characters with other filters (a
 * search alone is searchPage's), `rows` walks the sort index and each row carries the exact
 * `total`; `probe` counts its trigram matches up to FEW_MATCHES + 1, whatever the other filters;
 * `few` reads a page from few matches and sorts it.
 */
export type ListKind = 'count' | 'rows' | 'probe' | 'few';

/** The list query for a filter set; exported so tests can check its query plan. */
export function listSql(q: Omit<ListQuery, 'limit' | 'offset'>, kind: ListKind): string {
  const where: string[] = [];
  if (q.project !== undefined) where.push('project = @project');
  if (q.resolved !== undefined) where.push('resolved = @resolved');
  where.push(...statusSql(q.status, q.sort ?? 'last_seen'));
  if (q.source !== undefined) where.push('source = @source');
  if (q.tags?.length) where.push(...tagConditionSql(q.tags));
  const order = `ORDER BY ${SORT_COLUMN[q.sort ?? 'last_seen']} DESC, id DESC LIMIT @limit OFFSET @offset`;
  if (q.search !== undefined && usesTrigrams(q.search)) {
    // Substring search through the trigram index (case-insensitive, Unicode letters included): the
    // index's phrase match is exact, so no LIKE re-reads the rows.
    const matching = 'SELECT rowid FROM errors_fts WHERE errors_fts MATCH @match';
    const filters = where.map((w) => `${w} AND `).join('');
    const clause = where.length ? `WHERE ${where.join(' AND ')}` : '';
    const matchIds = 'SELECT rowid AS match_id FROM errors_fts WHERE errors_fts MATCH @match';
    switch (kind) {
      case 'probe':
        return `SELECT count(*) AS matches FROM (${matching} LIMIT ${FEW_MATCHES + 1})`;
      // Few matches: each is looked up by id and tested against the filters. CROSS JOIN fixes that
      // order; left to itself the planner walked a filter's whole index instead (resolved=false: two
      // thirds of 100,000 groups, 8 ms against 0.3).
      case 'count':
        return `SELECT count(*) AS total FROM (${matchIds}) AS m CROSS JOIN errors ON errors.id = m.match_id ${clause}`;
      case 'few':
        return `SELECT ${SUMMARY_COLUMNS} FROM (${matchIds}) AS m CROSS JOIN errors ON errors.id = m.match_id ${clause} ${order}`;
      case 'rows': {
        // The matches are found once (MATERIALIZED) for both the count and the page; `+id` keeps the
        // planner on the sort index, testing membership, so a page is found within a few hundred
        // entries instead of sorting every match.
        return `WITH matching (id) AS MATERIALIZED (${matching})
          SELECT (SELECT count(*) FROM errors WHERE ${filters}id IN matching) AS total, ${SUMMARY_COLUMNS} FROM errors WHERE ${filters}+id IN matching ${order}`;
      }
    }
  }
  if (q.search !== undefined) {
    // Under three characters there is no trigram to look up (SQLite's LIKE folds ASCII only).
    where.push(`(exception_type LIKE @pattern ESCAPE '\\' OR message LIKE @pattern ESCAPE '\\' OR file LIKE @pattern ESCAPE '\\')`);
  }
  const clause = where.length ? `WHERE ${where.join(' AND ')}` : '';
  if (kind === 'count' && q.search === undefined && !q.tags?.length) {
    // Kept by triggers (migration 007): a sum over a few rows, whatever the number of groups.
    return `SELECT coalesce(sum(groups), 0) AS total FROM error_group_counts ${clause}`;
  }
  return kind === 'count' ? `SELECT count(*) AS total FROM errors ${clause}` : `SELECT ${SUMMARY_COLUMNS} FROM errors ${clause} ${order}`;
}

/** Each sort walks its own index (migrations 001 and 012); the column names are fixed, never from input. */
const SORT_COLUMN: Record<ListSort, string> = { last_seen: 'last_seen', first_seen: 'first_seen', count: 'count', users: 'users' };

/**
 * The status filter as literal conditions (so the planner can use the partial index of ignored
 * groups); no status hides the ignored groups and shows the rest, as the list always did. Under
 * another sort than last_seen the columns are wrapped (`+`) so no index serves the status: the
 * planner otherwise read a status's groups through errors_resolved_source and sorted them all
 * (170 ms at 100,000 groups) instead of walking the sort's index and stopping after a page (1 ms).
 */
function statusSql(status: ListQuery['status'], sort: ListSort): string[] {
  const c = (column: string) => (sort === 'last_seen' ? column : `+${column}`);
  switch (status) {
    case 'all':
      return [];
    case 'ignored':
      // Few groups, found through their partial index and sorted.
      return ['ignored = 1'];
    case 'resolved':
      return [`${c('resolved')} = 1`, `${c('ignored')} = 0`];
    case 'unresolved':
      return [`${c('resolved')} = 0`, `${c('ignored')} = 0`];
    default:
      return [`${c('ignored')} = 0`];
  }
}

export function escapeLike(s: string): string {
  return s.replace(/[\\%_]/g, (c) => `\\${c}`);
}

export function usesTrigrams(search: string): boolean {
  return [...search].length >= 3;
}

/** The search as one FTS5 phrase, in the type, the message or the file: a substring under the trigram tokenizer. */
export function ftsPhrase(search: string): string {
  // No column filter: the index holds only these columns, and a filter costs a third more time.
  return `"${search.replaceAll('"', '""')}"`;
}
