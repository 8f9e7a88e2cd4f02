// /api/0/organizations/:org/releases/...: what `sentry-cli releases new/finalize/info` and `deploys new/list` call, recorded in the ReleaseStore.
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { mayActOn } from '../../auth.js';
import { errors } from '../../errors.js';
import type { DeployRecord, ReleaseRecord, ReleaseStore } from '../../store/types.js';
import { parseOrThrow } from '../../validation.js';
import { resolveProjects, type ProjectReader } from './projects.js';

export interface ReleaseRoutesDeps {
  releaseStore: ReleaseStore;
  store: ProjectReader;
  now: () => Date;
}

/** As Sentry has it: no slash or line break, not '.', '..' or ' ', at most 200 characters. */
const version = z
  .string()
  .min(1)
  .max(200)
  .refine((v) => !/[/\\\r\n\t\f\v]/.test(v) && v.trim() === v && v !== '.' && v !== '..', 'is not a valid release version');
/** chrono's RFC 3339 (nanoseconds included) or any date Date.parse reads; stored as ISO 8601 UTC. */
const date = z
  .string()
  .max(64)
  .refine((s) => !Number.isNaN(Date.parse(s)), 'is not a date')
  .transform((s) => new Date(s).toISOString());
const projectList = z.array(z.union([z.string().min(1).max(100), z.number().int().nonnegative()])).min(1).max(100);

// sentry-cli 3.8, src/api/mod.rs: NewRelease { version, projects, url?, dateStarted?, dateReleased? }.
const newReleaseSchema = z.object({ version, projects: projectList, url: z.string().max(2000).nullish(), dateStarted: date.nullish(), dateReleased: date.nullish() });
// UpdatedRelease: every field optional; `releases finalize` sends projects (when known) and dateReleased.
const updateSchema = z.object({ projects: projectList.nullish(), dateReleased: date.nullish(), url: z.string().max(2000).nullish() });
// src/api/data_types/deploy.rs: Deploy { environment, name?, url?, dateStarted?, dateFinished?, projects? }.
const deploySchema = z.object({
  environment: z.string().trim().min(1).max(64),
  name: z.string().max(200).nullish(),
  url: z.string().max(2000).nullish(),
  dateStarted: date.nullish(),
  dateFinished: date.nullish(),
  projects: z.array(z.string().min(1).max(100)).min(1).max(100).nullish(),
});
const params = z.object({ org: z.string(), version });

/** ReleaseInfo as sentry-cli deserializes it (src/api/mod.rs): dateCreated is required, the rest may be null or absent. */
function releaseInfo(records: ReleaseRecord[]) {
  const first = records[0]!;
  const finalized = records.map((r) => r.finalizedAt).filter((d): d is string => d !== null).sort();
  return {
    version: first.version,
    shortVersion: first.version,
    url: null,
    dateCreated: records.map((r) => r.createdAt).sort()[0],
    dateReleased: finalized.at(-1) ?? null,
    lastEvent: null,
    newGroups: 0,
    projects: records.map((r) => ({ slug: r.project, name: r.project })),
  };
}

/** Deploy as src/api/data_types/deploy.rs reads it (environment required). */
const deployInfo = (d: DeployRecord) => ({
  id: String(d.id),
  environment: d.environment,
  name: d.name,
  url: d.url,
  dateStarted: d.startedAt,
  dateFinished: d.finishedAt,
  projects: [d.project],
});

export const releaseRoutes: FastifyPluginAsync<ReleaseRoutesDeps> = async (app, { releaseStore, store, now }) => {
  /** The version's records on the projects this key may act on (the CLI names no project for info and deploys list). */
  const visible = async (request: FastifyRequest, v: string, projects?: string[]) => {
    const found = (await releaseStore.findReleases(v)).filter((r) => mayActOn(request.principal, r.project) && (!projects || projects.includes(r.project)));
    if (found.length === 0) throw errors.notFound(`Release '${v}'`);
    return found;
  };
  const opts = { config: { access: 'upload' as const } };

  // `sentry-cli releases new` (src/commands/releases/new.rs; the bundler plugins' releases.new calls
  // it too): 201 when new. Sentry answers 208 for a release that exists; the CLI reads both as success.
  app.post('/api/0/organizations/:org/releases/', opts, async (request, reply) => {
    const body = parseOrThrow(newReleaseSchema, request.body ?? {});
    const projects = await resolveProjects(request, body.projects, store);
    let existed = true;
    const records: ReleaseRecord[] = [];
    for (const project of projects) {
      if (!(await releaseStore.getRelease(project, body.version))) existed = false;
      records.push(await releaseStore.recordRelease({ project, version: body.version, createdBy: 'api', finalizedAt: body.dateReleased ?? null }));
    }
    return reply.code(existed ? 208 : 201).send(releaseInfo(records));
  });

  // `sentry-cli releases info` (src/commands/releases/info.rs): 404 means "no such release".
  app.get('/api/0/organizations/:org/releases/:version/', opts, async (request) => {
    const { version: v } = parseOrThrow(params, request.params);
    return releaseInfo(await visible(request, v));
  });

  // `sentry-cli releases finalize` (src/commands/releases/finalize.rs, update_release): a PUT with
  // dateReleased and, when the CLI knows them, projects. 404 reads as "release not found".
  app.put('/api/0/organizations/:org/releases/:version/', opts, async (request) => {
    const { version: v } = parseOrThrow(params, request.params);
    const body = parseOrThrow(updateSchema, request.body ?? {});
    const projects = body.projects ? await resolveProjects(request, body.projects, store) : undefined;
    const found = await visible(request, v, projects);
    if (!body.dateReleased) return releaseInfo(found);
    const updated: ReleaseRecord[] = [];
    for (const r of found) updated.push((await releaseStore.finalizeRelease(r.project, r.version, body.dateReleased))!);
    return releaseInfo(updated);
  });

  // `sentry-cli deploys new` (src/commands/deploys/new.rs, create_deploy): dateFinished is always
  // sent; projects only with --project, else the deploy is of every project that has the release.
  app.post('/api/0/organizations/:org/releases/:version/deploys/', opts, async (request, reply) => {
    const { version: v } = parseOrThrow(params, request.params);
    const body = parseOrThrow(deploySchema, request.body ?? {});
    const projects = body.projects ? await resolveProjects(request, body.projects, store) : (await visible(request, v)).map((r) => r.project);
    let last: DeployRecord | undefined;
    for (const project of projects) {
      last = await releaseStore.addDeploy({
        project,
        version: v,
        environment: body.environment,
        name: body.name ?? null,
        url: body.url ?? null,
        startedAt: body.dateStarted ?? null,
        finishedAt: body.dateFinished ?? now().toISOString(),
      });
    }
    return reply.code(201).send({ ...deployInfo(last!), projects });
  });

  // `sentry-cli deploys list` (src/commands/deploys/list.rs).
  app.get('/api/0/organizations/:org/releases/:version/deploys/', opts, async (request) => {
    const { version: v } = parseOrThrow(params, request.params);
    const deploys: DeployRecord[] = [];
    for (const r of await visible(request, v)) deploys.push(...(await releaseStore.listDeploys(r.project, r.version)));
    return deploys.map(deployInfo);
  });
};
