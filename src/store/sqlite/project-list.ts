// The projects list with what the Projects page shows of each, in one read (the page made 1 + 3N requests).
import type { Db } from './open-database.js';
import type { ProjectSummary } from '../types.js';

interface Row {
  id: number;
  name: string;
  ingest_key: string;
  created_at: string;
  groups: number;
  unresolved: number;
}

export function createProjectList(db: Db): () => ProjectSummary[] {
  // From the per-(project, status, source) counts kept by triggers (migration 007): a few rows per
  // project, whatever the number of groups.
  const list = db.prepare<[], Row>(`
    SELECT p.id, p.name, p.ingest_key, p.created_at, coalesce(c.groups, 0) AS groups, coalesce(c.unresolved, 0) AS unresolved
    FROM projects AS p
    LEFT JOIN (
      SELECT project, sum(groups) AS groups, sum(CASE WHEN resolved = 0 AND ignored = 0 THEN groups ELSE 0 END) AS unresolved
      FROM error_group_counts GROUP BY project
    ) AS c ON c.project = p.name`);
  return () =>
    list.all().map((r) => ({ id: r.id, name: r.name, ingestKey: r.ingest_key, createdAt: r.created_at, groups: r.groups, unresolved: r.unresolved }));
}
