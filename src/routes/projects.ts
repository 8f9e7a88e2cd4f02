// /api/projects: list, create, read (with the ingest key and Sentry DSN) and rotate the ingest key.
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { errors } from '../errors.js';
import type { Project, ProjectDetails, Store } from '../store/types.js';
import { parseOrThrow } from '../validation.js';

export interface ProjectRoutesDeps {
  store: Store;
  /** PUBLIC_URL: the base of DSNs; unset, the request's own scheme and host. */
  publicUrl?: string | undefined;
}

// The same bounds as a report's `project`, so every project can be reported to.
const nameSchema = z.string().min(1).max(100);
const createSchema = z.object({ name: nameSchema });
const paramsSchema = z.object({ name: nameSchema });

export const projectRoutes: FastifyPluginAsync<ProjectRoutesDeps> = async (app, { store, publicUrl }) => {
  /** `http(s)://<ingest key>@<host>[:port][/path]/<project id>`, what a Sentry SDK takes as its DSN. */
  const dsnOf = (p: Project, request: FastifyRequest) => {
    const base = new URL(publicUrl ?? `${request.protocol}://${request.host}`);
    return `${base.protocol}//${p.ingestKey}@${base.host}${base.pathname.replace(/\/+$/, '')}/${p.id}`;
  };
  const toApi = (p: Project | ProjectDetails, request: FastifyRequest) => ({
    name: p.name,
    id: p.id,
    ingest_key: p.ingestKey,
    dsn: dsnOf(p, request),
    created_at: p.createdAt,
    groups: 'groups' in p ? p.groups : 0,
    unresolved: 'unresolved' in p ? p.unresolved : 0,
    events: 'events' in p ? p.events : 0,
  });

  app.get('/api/projects', async () => ({ projects: await store.listProjects() }));

  app.post('/api/projects', async (request, reply) => {
    const { name } = parseOrThrow(createSchema, request.body ?? {});
    const project = await store.createProject(name);
    if (!project) throw errors.projectExists(name);
    return reply.code(201).send(toApi(project, request));
  });

  app.get('/api/projects/:name', async (request) => {
    const { name } = parseOrThrow(paramsSchema, request.params);
    const project = await store.getProject(name);
    if (!project) throw errors.notFound(`Project '${name}'`);
    return toApi(project, request);
  });

  app.post('/api/projects/:name/rotate-key', async (request) => {
    const { name } = parseOrThrow(paramsSchema, request.params);
    const project = await store.rotateIngestKey(name);
    if (!project) throw errors.notFound(`Project '${name}'`);
    return toApi((await store.getProject(name)) ?? project, request);
  });
};
