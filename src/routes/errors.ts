// /api/errors: list and read groups, resolve and reopen them (ingest is routes/ingest.ts).
import type { FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import { errors } from '../errors.js';
import { parseStack } from '../ingest/stack/parse.js';
import type { Store, TagDistribution } from '../store/types.js';
import { parseOrThrow } from '../validation.js';
import { listFilterFields, tagsOfFilters } from './list-filters.js';
import { groupToApi, listItemToApi, occurrenceToApi } from './serialize.js';
import { buildTrends, trendHours } from './trend.js';

export interface ErrorRoutesDeps {
  store: Store;
  now: () => Date;
}

const MAX_LIMIT = 200;

const wholeNumber = (field: string) => z.string().regex(/^\d{1,15}$/, `${field} must be a whole number`).transform(Number);

/** `?search=` (left empty by a form) means no filter, not "match the empty string". */
const optionalParam = <T extends z.ZodType>(schema: T) =>
  z.preprocess((v) => (v === '' ? undefined : v), schema.optional());

const listQuerySchema = z.object({
  project: optionalParam(z.string().max(100)),
  resolved: optionalParam(z.enum(['true', 'false'], { message: 'resolved must be true or false' }).transform((v) => v === 'true')),
  source: optionalParam(z.enum(['browser', 'server'], { message: 'source must be browser or server' })),
  status: optionalParam(z.enum(['unresolved', 'resolved', 'ignored', 'all'], { message: 'status must be unresolved, resolved, ignored or all' })),
  sort: optionalParam(z.enum(['last_seen', 'first_seen', 'count', 'users'], { message: 'sort must be last_seen, first_seen, count or users' })),
  // SQLite's full-text query ends at a NUL: "abc\0" would be an unterminated phrase.
  search: optionalParam(z.string().max(200).refine((s) => !s.includes('\u0000'), 'search must not contain a NUL character')),
  limit: optionalParam(wholeNumber('limit').pipe(z.number().min(1, 'limit must be at least 1').max(MAX_LIMIT, `limit must be at most ${MAX_LIMIT}`))),
  offset: optionalParam(wholeNumber('offset')),
  ...listFilterFields,
});

const idParamsSchema = z.object({
  id: wholeNumber('id').pipe(z.number().min(1, 'id must be a positive whole number').max(Number.MAX_SAFE_INTEGER)),
});

export const errorRoutes: FastifyPluginAsync<ErrorRoutesDeps> = async (app, { store, now }) => {
  app.get('/api/errors', async (request) => {
    const { tag, release, environment, level, user, ...q } = parseOrThrow(listQuerySchema, request.query);
    const query = { ...q, tags: tagsOfFilters({ tag, release, environment, level, user }), limit: q.limit ?? 50, offset: q.offset ?? 0 };
    const { errors: rows, total } = await store.listErrors(query);
    const hours = trendHours(now());
    const ids = rows.map((r) => r.id);
    const trends = buildTrends(ids, await store.hourlyCounts(ids, hours[0]!, hours.at(-1)!), hours);
    return { errors: rows.map((r) => ({ ...listItemToApi(r), trend: trends.get(r.id)! })), total, limit: query.limit, offset: query.offset };
  });

  app.get('/api/errors/:id', async (request) => {
    const { id } = parseOrThrow(idParamsSchema, request.params);
    const found = await store.getError(id);
    if (!found) throw errors.notFound(`Error ${id}`);
    // Parsed on read: the traceback is the source of truth and parsing is cheap next to a page view.
    const frames = parseStack(found.error.traceback).frames;
    const u = found.users;
    return {
      error: groupToApi(found.error, frames),
      occurrences: found.occurrences.map(occurrenceToApi),
      ...tagsToApi(found.tags),
      users_affected: { total: u.total, last_24h: u.last24h, exact: u.exact },
    };
  });

  // Resolve (plain or in a release), ignore and reopen are routes/triage.ts.
  app.post('/api/errors/:id/unresolve', async (request) => {
    const { id } = parseOrThrow(idParamsSchema, request.params);
    if (!(await store.setResolved(id, false))) throw errors.notFound(`Error ${id}`);
    return { status: 'unresolved' };
  });
};

/** The group's tag distributions, and its distinct users (exact up to the top values kept). */
function tagsToApi(tags: TagDistribution[]) {
  const users = tags.filter((t) => t.key === 'user.id' || t.key === 'user.email');
  const byId = users.find((t) => t.key === 'user.id') ?? users[0];
  return {
    tags: tags.map((t) => ({ key: t.key, total: t.total, values: t.values, other: t.other })),
    users: { distinct: byId?.values.length ?? 0, more: (byId?.other ?? 0) > 0 },
  };
}
