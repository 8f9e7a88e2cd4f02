// /api/projects: list (with all the Projects page shows), create, read, rotate the ingest key, set quotas.
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { errors } from '../errors.js';
import { naturalCompare } from '../natural-order.js';
import type { Quotas } from '../quota/quotas.js';
import { hourKey } from '../store/hour-key.js';
import type { ArtifactStore, ArtifactUsage, Project, ProjectDetails, ProjectSummary, QuotaStore, Store } from '../store/types.js';
import { parseOrThrow } from '../validation.js';

export interface ProjectRoutesDeps {
  store: Store;
  /** PUBLIC_URL: the base of DSNs; unset, the request's own scheme and host. */
  publicUrl?: string | undefined;
  /** Spike protection; absent, projects show no quota and PUT .../quota answers 404. */
  quotas?: Quotas | undefined;
  quotaStore?: QuotaStore | undefined;
  now: () => Date;
  /** Source-map uploads; absent, projects show no source-map disk use. */
  artifactStore?: ArtifactStore | undefined;
}

// The same bounds as a report's `project`, so every project can be reported to.
const nameSchema = z.string().min(1).max(100);
const createSchema = z.object({ name: nameSchema });
const paramsSchema = z.object({ name: nameSchema });
/** null: the global default; 0: no limit. */
const quotaValue = z.number().int('must be a whole number').min(0, 'must be 0 (no limit) or more').max(1_000_000_000).nullable();
const quotaSchema = z.strictObject({ events_per_minute: quotaValue, events_per_hour: quotaValue });

/** Dropped events are shown for the last 24 hours, hour by hour, and in all. */
const DROPPED_HOURS = 24;
const HOUR_MS = 3_600_000;

/** A Host header as RFC 9110 has it: a DNS name (underscores too, as container names have them) or IPv4, or a bracketed IPv6 literal, and an optional port. */
const VALID_HOST = /^(?:[a-z0-9_](?:[a-z0-9._-]{0,251}[a-z0-9_])?|\[[0-9a-f:.]{2,45}\])(?::\d{1,5})?$/i;

interface Dropped {
  last_hour: number;
  last_24_hours: number;
  total: number;
  /** Hours with drops, oldest first. */
  hours: Array<{ hour: string; count: number }>;
}

export const projectRoutes: FastifyPluginAsync<ProjectRoutesDeps> = async (app, { store, publicUrl, quotas, quotaStore, now, artifactStore }) => {
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
  const dsnOf = (p: Project, base: URL) => `${base.protocol}//${p.ingestKey}@${base.host}${base.pathname.replace(/\/+$/, '')}/${p.id}`;
  const quotaOf = (name: string) => {
    if (!quotas) return null;
    const { limits, override } = quotas.of(name);
    return {
      events_per_minute: limits.perMinute,
      events_per_hour: limits.perHour,
      /** What the project sets itself; null follows the global default. */
      overrides: { events_per_minute: override.perMinute, events_per_hour: override.perHour },
    };
  };
  /** Every project's drops in one read. */
  const droppedByProject = async (): Promise<(name: string) => Dropped> => {
    const current = hourKey(now().toISOString());
    const from = hourKey(new Date(Date.parse(current) - (DROPPED_HOURS - 1) * HOUR_MS).toISOString());
    const counts = quotaStore ? await quotaStore.droppedCounts(from) : { hours: [], totals: new Map<string, number>() };
    const hours = new Map<string, Array<{ hour: string; count: number }>>();
    for (const c of counts.hours) {
      const list = hours.get(c.project) ?? [];
      list.push({ hour: c.hour, count: c.count });
      hours.set(c.project, list);
    }
    return (name) => {
      const mine = hours.get(name) ?? [];
      return {
        last_hour: mine.find((h) => h.hour === current)?.count ?? 0,
        last_24_hours: mine.reduce((n, h) => n + h.count, 0),
        total: counts.totals.get(name) ?? 0,
        hours: mine,
      };
    };
  };
  /** Uploaded source-map bundles per project and the bytes their maps take, in one read. */
  const usageByProject = async (): Promise<(name: string) => ArtifactUsage> => {
    const usage = artifactStore ? await artifactStore.usage() : new Map<string, ArtifactUsage>();
    return (name) => usage.get(name) ?? { bundles: 0, bytes: 0 };
  };
  const toApi = (p: Project | ProjectSummary | ProjectDetails, base: URL, dropped: Dropped, sourcemaps: ArtifactUsage = { bundles: 0, bytes: 0 }) => ({
    name: p.name,
    id: p.id,
    ingest_key: p.ingestKey,
    dsn: dsnOf(p, base),
    created_at: p.createdAt,
    groups: 'groups' in p ? p.groups : 0,
    unresolved: 'unresolved' in p ? p.unresolved : 0,
    ...('events' in p ? { events: p.events } : {}),
    quota: quotaOf(p.name),
    dropped,
    sourcemaps,
  });
  const detailsOf = async (name: string, base: URL) => {
    const project = await store.getProject(name);
    if (!project) throw errors.notFound(`Project '${name}'`);
    return toApi(project, base, (await droppedByProject())(name), (await usageByProject())(name));
  };

  // `projects`: the names, as before; `details`: everything the Projects page shows, in one reply.
  app.get('/api/projects', async (request) => {
    const base = baseOf(request);
    const list = (await store.listProjectSummaries()).sort((a, b) => naturalCompare(a.name, b.name));
    const dropped = await droppedByProject();
    const usage = await usageByProject();
    return { projects: list.map((p) => p.name), details: list.map((p) => toApi(p, base, dropped(p.name), usage(p.name))) };
  });

  app.post('/api/projects', async (request, reply) => {
    const { name } = parseOrThrow(createSchema, request.body ?? {});
    const base = baseOf(request);
    const project = await store.createProject(name);
    if (!project) throw errors.projectExists(name);
    return reply.code(201).send(toApi({ ...project, groups: 0, unresolved: 0, events: 0 }, base, (await droppedByProject())(name)));
  });

  app.get('/api/projects/:name', async (request) => {
    const { name } = parseOrThrow(paramsSchema, request.params);
    return detailsOf(name, baseOf(request));
  });

  app.post('/api/projects/:name/rotate-key', async (request) => {
    const { name } = parseOrThrow(paramsSchema, request.params);
    const base = baseOf(request);
    const project = await store.rotateIngestKey(name);
    if (!project) throw errors.notFound(`Project '${name}'`);
    return detailsOf(name, base);
  });

  app.put('/api/projects/:name/quota', async (request) => {
    const { name } = parseOrThrow(paramsSchema, request.params);
    const body = parseOrThrow(quotaSchema, request.body ?? {});
    const base = baseOf(request);
    if (!quotas) throw errors.notFound('Quotas');
    if (!(await store.getProject(name))) throw errors.notFound(`Project '${name}'`);
    await quotas.setOverride(name, { perMinute: body.events_per_minute, perHour: body.events_per_hour });
    return detailsOf(name, base);
  });
};
