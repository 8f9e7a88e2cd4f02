// A search with no other filter: the ids of every match read from the trigram index at once, the page found by walking the sort index.
import type { ErrorSummary } from '../types.js';
import { FEW_MATCHES } from './list-sql.js';
import type { Db } from './open-database.js';
import { SUMMARY_COLUMNS, toSummary, type SummaryRow } from './rows.js';

/** Prepares the search statements once; returns searchPage. */
export function createSearchPage(db: Db): (match: string, limit: number, offset: number) => { errors: ErrorSummary[]; total: number } {
  const stmt = {
    // One text of comma-separated ids: stepping through 12,500 rows one by one cost as much again as the search.
    matchingIds: db.prepare<[string], string | null>('SELECT group_concat(rowid) FROM errors_fts WHERE errors_fts MATCH ?').pluck(),
    idsNewestFirst: db.prepare<[], number>('SELECT id FROM errors ORDER BY last_seen DESC, id DESC').pluck(),
    summariesByIds: db.prepare<[string, number, number], SummaryRow>(`
      SELECT ${SUMMARY_COLUMNS} FROM errors WHERE id IN (SELECT value FROM json_each(?))
      ORDER BY last_seen DESC, id DESC LIMIT ? OFFSET ?`),
  };

  /**
   * A search and no other filter: the trigram index is read once, for the ids of every match (the
   * total is their number). Few matches are read and sorted. Thousands go into a bit set, and the
   * sort index is walked newest first until the page is full: on 100,000 groups with 12,500
   * matching, about half the time of SQLite keeping the matches in a temporary b-tree for that walk
   * and counting them apart. Exact all the same: the index alone decides what matches.
   */
  function searchPage(match: string, limit: number, offset: number): { errors: ErrorSummary[]; total: number } {
    const ids = parseIds(stmt.matchingIds.get(match) ?? null);
    const total = ids.length;
    if (total <= offset) return { errors: [], total };
    if (total <= FEW_MATCHES) return { errors: stmt.summariesByIds.all(JSON.stringify(ids), limit, offset).map(toSummary), total };
    const members = new IdSet(ids);
    const page: number[] = [];
    let skipped = 0;
    for (const id of stmt.idsNewestFirst.iterate()) {
      if (!members.has(id)) continue;
      if (skipped < offset) skipped++;
      else if (page.push(id) === limit) break;
    }
    return { errors: stmt.summariesByIds.all(JSON.stringify(page), limit, 0).map(toSummary), total };
  }

  return searchPage;
}

/** group_concat's "3,17,42" (or NULL for no match) as numbers. */
function parseIds(text: string | null): number[] {
  const ids: number[] = [];
  if (text === null) return ids;
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 44 /* , */) {
      ids.push(n);
      n = 0;
    } else {
      n = n * 10 + (c - 48);
    }
  }
  ids.push(n);
  return ids;
}

/**
 * Membership of ids, as one bit each over their range: cheaper to fill and test than a Set of
 * thousands. A Set where the range is far wider than the ids (old groups matching with new ones).
 */
class IdSet {
  private readonly bits: Uint32Array | undefined;
  private readonly set: Set<number> | undefined;
  private readonly min: number;
  private readonly max: number;

  constructor(ids: number[]) {
    let min = Infinity;
    let max = -Infinity;
    for (const id of ids) {
      if (id < min) min = id;
      if (id > max) max = id;
    }
    this.min = min;
    this.max = max;
    const words = Math.floor((max - min) / 32) + 1;
    if (ids.length === 0 || words > 4 * ids.length + 1024) {
      this.set = new Set(ids);
      return;
    }
    this.bits = new Uint32Array(words);
    for (const id of ids) {
      const i = id - min;
      this.bits[i >>> 5]! |= 1 << (i & 31);
    }
  }

  has(id: number): boolean {
    if (this.set) return this.set.has(id);
    if (id < this.min || id > this.max) return false;
    const i = id - this.min;
    return (this.bits![i >>> 5]! & (1 << (i & 31))) !== 0;
  }
}
