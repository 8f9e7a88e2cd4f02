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
/** A Host header as RFC 9110 has it: a DNS name (underscores too, as container names have them) or IPv4, or a bracketed IPv6 literal, and an optional port. */
const VALID_HOST = /^(?:[a-z0-9_](?:[a-z0-9._-]{0,251}[a-z0-9_])?|\[[0-9a-f:.]{2,45}\])(?::\d{1,5})?$/i;

export const projectRoutes: FastifyPluginAsync<ProjectRoutesDeps> = async (app, { store, publicUrl }) => {
  /**
   * The base of DSNs: PUBLIC_URL, or the request's scheme and Host. Computed before anything is
   * written, so a request whose Host cannot make a URL changes nothing and gets a 400.
   */
  const baseOf = (request: FastifyRequest): URL => {
    if (publicUrl) return new URL(publicUrl);
    const host = request.host;
    if (!VALID_HOST.test(host)) throw errors.badHost();
    try {
      return new URL(`${request.protocol}://${host}`);
    } catch {
      throw errors.badHost();
    }
  };
  /** `http(s)://<ingest key>@<host>[:port][/path]/<project id>`, what a Sentry SDK takes as its DSN. */
  const toApi = (p: Project | ProjectDetails, base: URL) => ({
    name: p.name,
    id: p.id,
    ingest_key: p.ingestKey,
    dsn: `${base.protocol}//${p.ingestKey}@${base.host}${base.pathname.replace(/\/+$/, '')}/${p.id}`,
    created_at: p.createdAt,
    groups: 'groups' in p ? p.groups : 0,
    unresolved: 'unresolved' in p ? p.unresolved : 0,
    events: 'events' in p ? p.events : 0,
  });

  app.get('/api/projects', async () => ({ projects: await store.listProjects() }));

  app.post('/api/projects', async (request, reply) => {
    const { name } = parseOrThrow(createSchema, request.body ?? {});
    const base = baseOf(request);
    const project = await store.createProject(name);
    if (!project) throw errors.projectExists(name);
    return reply.code(201).send(toApi(project, base));
  });

  app.get('/api/projects/:name', async (request) => {
    const { name } = parseOrThrow(paramsSchema, request.params);
    const base = baseOf(request);
    const project = await store.getProject(name);
    if (!project) throw errors.notFound(`Project '${name}'`);
    return toApi(project, base);
  });

  app.post('/api/projects/:name/rotate-key', async (request) => {
    const { name } = parseOrThrow(paramsSchema, request.params);
    const base = baseOf(request);
    const project = await store.rotateIngestKey(name);
    if (!project) throw errors.notFound(`Project '${name}'`);
    return toApi((await store.getProject(name)) ?? project, base);
  });
};
