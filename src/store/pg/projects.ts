// Projects and their ingest keys on PostgreSQL: created, listed, looked up by key (cached briefly), keys rotated.
import { randomBytes } from 'node:crypto';
import type { Project, ProjectDetails, Store } from '../types.js';
import type { Pool } from './pool.js';
import { toProject, type ProjectRow } from './rows.js';

const KEY_CACHE_MAX = 10_000;
/**
 * Every report checks a key, so found projects are cached; another instance's rotation reaches this
 * one's cache only when the entry expires, hence briefly (this instance's own rotation evicts at once).
 */
const KEY_CACHE_MS = 2_000;

export function newIngestKey(): string {
  return randomBytes(16).toString('hex');
}

export function createPgProjectStore(
  pool: Pool,
  { now, knownProjects }: { now: () => Date; knownProjects: Set<string> },
): Pick<Store, 'listProjects' | 'listProjectSummaries' | 'getProject' | 'createProject' | 'rotateIngestKey' | 'findProjectByKey'> {
  const byKey = new Map<string, { project: Project; at: number }>();
  return {
    async listProjects() {
      const { rows } = await pool.query<{ name: string }>({ name: 'p_names', text: 'SELECT name FROM projects ORDER BY name' });
      return rows.map((r) => r.name);
    },

    async listProjectSummaries() {
      const { rows } = await pool.query<ProjectRow & { groups: number; unresolved: number }>({
        name: 'p_summaries',
        text: `SELECT p.id, p.name, p.ingest_key, p.created_at, coalesce(c.groups, 0)::bigint AS groups, coalesce(c.unresolved, 0)::bigint AS unresolved
          FROM projects AS p
          LEFT JOIN (SELECT project, sum(groups) AS groups, sum(CASE WHEN NOT resolved AND NOT ignored THEN groups ELSE 0 END) AS unresolved
                     FROM error_group_counts GROUP BY project) AS c ON c.project = p.name
          ORDER BY p.id`,
      });
      return rows.map((r) => ({ ...toProject(r), groups: r.groups, unresolved: r.unresolved }));
    },

    async getProject(name) {
      const { rows } = await pool.query<ProjectRow & { groups: number; unresolved: number; events: number }>({
        name: 'p_get',
        text: `SELECT p.id, p.name, p.ingest_key, p.created_at, c.groups, c.unresolved, c.events FROM projects AS p,
            LATERAL (SELECT count(*)::bigint AS groups, coalesce(sum(CASE WHEN NOT resolved AND NOT ignored THEN 1 ELSE 0 END), 0)::bigint AS unresolved,
                            coalesce(sum(count), 0)::bigint AS events FROM errors WHERE project = p.name) AS c
          WHERE p.name = $1`,
        values: [name],
      });
      const r = rows[0];
      return r ? ({ ...toProject(r), groups: r.groups, unresolved: r.unresolved, events: r.events } satisfies ProjectDetails) : null;
    },

    async createProject(name) {
      const { rows } = await pool.query<ProjectRow>({
        name: 'p_create',
        text: 'INSERT INTO projects (name, ingest_key, created_at) VALUES ($1, $2, $3) ON CONFLICT (name) DO NOTHING RETURNING id, name, ingest_key, created_at',
        values: [name, newIngestKey(), now().toISOString()],
      });
      if (rows[0]) knownProjects.add(name);
      return rows[0] ? toProject(rows[0]) : null;
    },

    async rotateIngestKey(name) {
      const { rows } = await pool.query<ProjectRow>({
        name: 'p_rotate',
        text: 'UPDATE projects SET ingest_key = $1 WHERE name = $2 RETURNING id, name, ingest_key, created_at',
        values: [newIngestKey(), name],
      });
      for (const [key, e] of byKey) if (e.project.name === name) byKey.delete(key);
      return rows[0] ? toProject(rows[0]) : null;
    },

    async findProjectByKey(ingestKey) {
      const t = Date.now();
      const cached = byKey.get(ingestKey);
      if (cached && t - cached.at < KEY_CACHE_MS) return cached.project;
      const { rows } = await pool.query<ProjectRow>({ name: 'p_by_key', text: 'SELECT id, name, ingest_key, created_at FROM projects WHERE ingest_key = $1', values: [ingestKey] });
      if (!rows[0]) {
        byKey.delete(ingestKey);
        return null; // misses are not cached: guessed keys must not fill memory
      }
      if (byKey.size >= KEY_CACHE_MAX) byKey.clear();
      const project = toProject(rows[0]);
      byKey.set(ingestKey, { project, at: t });
      return project;
    },
  };
}
