// The error list: filters, search and paging, the count and the page read in one snapshot.
import type { Statement } from 'better-sqlite3';
import type { ErrorSummary, ListQuery, Store } from '../types.js';
import { escapeLike, FEW_MATCHES, ftsPhrase, listSql, usesTrigrams, type ListKind } from './list-sql.js';
import type { Db } from './open-database.js';
import { toSummary, type SummaryRow } from './rows.js';
import { createSearchPage } from './search.js';
import { tagParams } from './tags.js';

export function createListReader(db: Db): Pick<Store, 'listErrors'> {
  const searchPage = createSearchPage(db);
  const listStatements = new Map<string, Statement<Record<string, unknown>>>();

  function listStatement(q: ListQuery, kind: ListKind): Statement<Record<string, unknown>> {
    const sql = listSql(q, kind);
    let s = listStatements.get(sql);
    if (!s) {
      s = db.prepare(sql);
      listStatements.set(sql, s);
    }
    return s;
  }

  function listErrorsNow(q: ListQuery): { errors: ErrorSummary[]; total: number } {
    const params: Record<string, unknown> = { limit: q.limit, offset: q.offset };
    if (q.project !== undefined) params.project = q.project;
    if (q.resolved !== undefined) params.resolved = q.resolved ? 1 : 0;
    if (q.source !== undefined) params.source = q.source;
    if (q.tags?.length) tagParams(q.tags, params);
    if (q.search !== undefined) {
      if (usesTrigrams(q.search)) params.match = ftsPhrase(q.search);
      else params.pattern = `%${escapeLike(q.search)}%`;
    }
    const { limit: _l, offset: _o, ...countParams } = params;
    const count = () => (listStatement(q, 'count').get(countParams) as { total: number }).total;
    if (params.match !== undefined) {
      // searchPage walks the last_seen index over every group: only for status=all in that order.
      const filtered = q.project !== undefined || q.resolved !== undefined || q.source !== undefined || Boolean(q.tags?.length) || q.status !== 'all' || (q.sort ?? 'last_seen') !== 'last_seen';
      if (!filtered) return searchPage(params.match as string, q.limit, q.offset);
      // A bounded probe first tells a common term from a rare one, whose few matches are cheaper
      // read and sorted ('few').
      const { matches } = listStatement(q, 'probe').get({ match: params.match }) as { matches: number };
      if (matches > FEW_MATCHES) {
        // The matches are found once, the count and the page sharing them ('rows').
        const rows = listStatement(q, 'rows').all(params) as Array<SummaryRow & { total: number }>;
        // An empty page (past the end) carries no total.
        return { errors: rows.map(toSummary), total: rows[0]?.total ?? count() };
      }
      const total = count();
      if (total <= q.offset) return { errors: [], total };
      return { errors: (listStatement(q, 'few').all(params) as SummaryRow[]).map(toSummary), total };
    }
    const total = count();
    if (total <= q.offset) return { errors: [], total };
    return { errors: (listStatement(q, 'rows').all(params) as SummaryRow[]).map(toSummary), total };
  }

  // One read transaction: the count and the page see the same data, whatever another process commits.
  const listInOneSnapshot = db.transaction(listErrorsNow);

  return {
    async listErrors(q) {
      return listInOneSnapshot.deferred(q);
    },
  };
}
