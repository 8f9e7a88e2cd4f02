// Projects and their ingest keys: created, listed, looked up by key (cached, as every report checks one), keys rotated.
import { randomBytes } from 'node:crypto';
import type { ProjectDetails, Project, Store } from '../types.js';
import type { Db } from './open-database.js';
import { createProjectList } from './project-list.js';
import { toProject, type ProjectRow } from './rows.js';

/** Projects cached by ingest key; cleared when full rather than grown without bound. */
const KEY_CACHE_MAX = 10_000;

export function newIngestKey(): string {
  return randomBytes(16).toString('hex');
}

export interface ProjectStoreDeps {
  now: () => Date;
  /** Projects known to exist, shared with the write path (writes.ts), which then skips its INSERT. */
  knownProjects: Set<string>;
  /** Refuses a write the file the next start opens would not hold (index.ts). */
  throwIfMoved: () => void;
}

export function createProjectStore(
  db: Db,
  { now, knownProjects, throwIfMoved }: ProjectStoreDeps,
): Pick<Store, 'listProjects' | 'listProjectSummaries' | 'getProject' | 'createProject' | 'rotateIngestKey' | 'findProjectByKey'> {
  const stmt = {
    projects: db.prepare<[], { name: string }>('SELECT name FROM projects ORDER BY name'),
    projectByName: db.prepare<[string], ProjectRow>('SELECT id, name, ingest_key, created_at FROM projects WHERE name = ?'),
    projectByKey: db.prepare<[string], ProjectRow>('SELECT id, name, ingest_key, created_at FROM projects WHERE ingest_key = ?'),
    createProject: db.prepare<[string, string, string], ProjectRow>(`
      INSERT INTO projects (name, ingest_key, created_at) VALUES (?, ?, ?) ON CONFLICT (name) DO NOTHING
      RETURNING id, name, ingest_key, created_at`),
    setKey: db.prepare<[string, string], ProjectRow>('UPDATE projects SET ingest_key = ? WHERE name = ? RETURNING id, name, ingest_key, created_at'),
    projectCounts: db.prepare<[string], { groups: number; unresolved: number | null; events: number | null }>(
      'SELECT count(*) AS groups, sum(resolved = 0 AND ignored = 0) AS unresolved, sum(count) AS events FROM errors WHERE project = ?',
    ),
  };
  const projectList = createProjectList(db);

  // Ingest keys are checked on every report: cache the projects found. Only the store changes keys,
  // so rotateIngestKey evicts the old entry and rotation takes effect at once.
  const byKey = new Map<string, Project>();

  return {
    async listProjects() {
      return stmt.projects.all().map((r) => r.name);
    },

    async listProjectSummaries() {
      return projectList();
    },

    async getProject(name) {
      const row = stmt.projectByName.get(name);
      if (!row) return null;
      const c = stmt.projectCounts.get(name)!;
      return { ...toProject(row), groups: c.groups, unresolved: c.unresolved ?? 0, events: c.events ?? 0 } satisfies ProjectDetails;
    },

    async createProject(name) {
      const row = stmt.createProject.get(name, newIngestKey(), now().toISOString());
      throwIfMoved();
      if (row) knownProjects.add(name);
      return row ? toProject(row) : null;
    },

    async rotateIngestKey(name) {
      const row = stmt.setKey.get(newIngestKey(), name);
      if (!row) return null;
      for (const [key, p] of byKey) if (p.name === name) byKey.delete(key);
      throwIfMoved();
      return toProject(row);
    },

    async findProjectByKey(ingestKey) {
      const cached = byKey.get(ingestKey);
      if (cached) return cached;
      const row = stmt.projectByKey.get(ingestKey);
      if (!row) return null; // misses are not cached: guessed keys must not fill memory
      if (byKey.size >= KEY_CACHE_MAX) byKey.clear();
      const project = toProject(row);
      byKey.set(ingestKey, project);
      return project;
    },
  };
}
