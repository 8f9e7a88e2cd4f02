// GET /api/releases?project=: a project's releases, newest first, each with its deploys, new groups, regressions and events.
import type { FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import type { ReleaseStore, Store } from '../store/types.js';
import { parseOrThrow } from '../validation.js';

export interface ReleaseRoutesDeps {
  store: Store;
  releaseStore: ReleaseStore;
}

const MAX_RELEASES = 100;

const query = z.object({
  project: z.string({ error: 'project is required' }).min(1, 'project must not be empty').max(100),
  limit: z
    .string()
    .regex(/^\d{1,4}$/, 'limit must be a whole number')
    .transform(Number)
    .pipe(z.number().min(1, 'limit must be at least 1').max(MAX_RELEASES, `limit must be at most ${MAX_RELEASES}`))
    .optional(),
});

export const releaseRoutes: FastifyPluginAsync<ReleaseRoutesDeps> = async (app, { store, releaseStore }) => {
  app.get('/api/releases', async (request) => {
    const { project, limit = 50 } = parseOrThrow(query, request.query);
    // Newest first by when they were created through the release API, else first seen on an event.
    const records = await releaseStore.listReleaseRecords(project, limit);
    const activity = await store.releaseActivity(project, records.map((r) => r.version));
    const releases = await Promise.all(
      records.map(async (r) => {
        const a = activity.get(r.version)!;
        const deploys = await releaseStore.listDeploys(project, r.version);
        return {
          version: r.version,
          created_at: r.createdAt,
          created_by: r.createdBy,
          finalized_at: r.finalizedAt,
          new_groups: a.newGroups,
          regressions: a.regressions,
          events: a.events,
          deploys: deploys.map((d) => ({ environment: d.environment, name: d.name, url: d.url, started_at: d.startedAt, finished_at: d.finishedAt })),
        };
      }),
    );
    return { project, releases };
  });
};
