// Triage routes: resolve (in a release), ignore, reopen, one group or many (bulk); a group's 14-day trend with its project's releases.
import type { FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import { errors } from '../errors.js';
import type { ReleaseStore, Store, TriageAction } from '../store/types.js';
import { parseOrThrow } from '../validation.js';
import { buildTrends, trendHours } from './trend.js';

export interface TriageRoutesDeps {
  store: Store;
  releaseStore?: ReleaseStore;
  now: () => Date;
}

/** Groups one bulk request may change: a page of the list at most, so one transaction stays short. */
export const MAX_BULK_IDS = 200;
/** The error page's chart: 14 days of hours (what retention keeps of the hourly counts). */
export const LONG_TREND_HOURS = 14 * 24;
/** Releases marked on the chart at most. */
const CHART_RELEASES = 50;

const id = z.number().int('ids must be whole numbers').min(1, 'ids must be positive').max(Number.MAX_SAFE_INTEGER);
const idParams = z.object({ id: z.string().regex(/^\d{1,15}$/, 'id must be a whole number').transform(Number).pipe(id) });
const count = (field: string) => z.number().int(`${field} must be a whole number`).min(1, `${field} must be at least 1`).max(1e12);
const inRelease = z.string().min(1, 'in_release must not be empty').max(200, 'in_release must be at most 200 characters');
const isoTime = z.iso.datetime({ offset: true, message: 'until must be an ISO 8601 time, e.g. 2026-01-01T00:00:00Z' }).transform((s) => new Date(s).toISOString());

const resolveBody = z.strictObject({ in_release: inRelease.optional() }).optional();
const ignoreFields = { until_count: count('until_count').optional(), until: isoTime.optional(), until_users: count('until_users').optional() };
const ignoreBody = z.strictObject(ignoreFields).optional();
const bulkBody = z.discriminatedUnion('action', [
  z.strictObject({ action: z.literal('resolve'), ids: z.array(id).min(1).max(MAX_BULK_IDS), in_release: inRelease.optional() }),
  z.strictObject({ action: z.literal('ignore'), ids: z.array(id).min(1).max(MAX_BULK_IDS), ...ignoreFields }),
  z.strictObject({ action: z.literal('reopen'), ids: z.array(id).min(1).max(MAX_BULK_IDS) }),
], { error: 'action must be resolve, ignore or reopen' });

type IgnoreInput = { until_count?: number; until?: string; until_users?: number } | undefined;
const ignoreAction = (b: IgnoreInput): TriageAction => ({ action: 'ignore', untilCount: b?.until_count, until: b?.until, untilUsers: b?.until_users });

export const triageRoutes: FastifyPluginAsync<TriageRoutesDeps> = async (app, { store, releaseStore, now }) => {
  async function apply(ids: number[], action: TriageAction) {
    const outcome = await store.triage(ids, action);
    if (!outcome.ok) {
      throw outcome.reason === 'no_release' ? errors.noReleaseYet(outcome.project) : errors.notFound(`Release '${(action as { inRelease: string }).inRelease}' of project '${outcome.project}'`);
    }
    return outcome;
  }

  async function one(rawParams: unknown, action: TriageAction) {
    const { id: groupId } = parseOrThrow(idParams, rawParams);
    const outcome = await apply([groupId], action);
    if (outcome.missing.length) throw errors.notFound(`Error ${groupId}`);
    const e = (await store.getError(groupId))!.error;
    // Plain resolve answers as the spec says, `{status}`; the conditions are added where they apply.
    return { status: e.status, ...(e.resolvedIn !== null && { resolved_in: e.resolvedIn }), ...(e.ignore !== null && { ignore: ignoreToApi(e.ignore) }) };
  }

  app.post('/api/errors/:id/resolve', async (request) => {
    const body = parseOrThrow(resolveBody, request.body);
    return one(request.params, { action: 'resolve', inRelease: body?.in_release });
  });
  app.post('/api/errors/:id/ignore', async (request) => one(request.params, ignoreAction(parseOrThrow(ignoreBody, request.body))));
  app.post('/api/errors/:id/reopen', async (request) => one(request.params, { action: 'reopen' }));

  app.post('/api/errors/bulk', async (request) => {
    const b = parseOrThrow(bulkBody, request.body);
    const ids = [...new Set(b.ids)];
    const action: TriageAction = b.action === 'resolve' ? { action: 'resolve', inRelease: b.in_release } : b.action === 'ignore' ? ignoreAction(b) : { action: 'reopen' };
    const { changed, missing } = await apply(ids, action);
    return { action: b.action, changed, missing };
  });

  app.get('/api/errors/:id/trend', async (request) => {
    const { id: groupId } = parseOrThrow(idParams, request.params);
    const found = await store.getError(groupId);
    if (!found) throw errors.notFound(`Error ${groupId}`);
    const hours = trendHours(now(), LONG_TREND_HOURS);
    const counts = buildTrends([groupId], await store.hourlyCounts([groupId], hours[0]!, hours.at(-1)!), hours).get(groupId)!;
    // Releases made (or first seen) within the chart's span, and their deploys: the markers.
    const from = hours[0]!;
    const records = releaseStore ? (await releaseStore.listReleaseRecords(found.error.project, CHART_RELEASES)).filter((r) => r.createdAt >= from) : [];
    const releases = await Promise.all(
      records.map(async (r) => ({
        version: r.version,
        created_at: r.createdAt,
        deploys: (await releaseStore!.listDeploys(r.project, r.version)).map((d) => ({ environment: d.environment, finished_at: d.finishedAt })),
      })),
    );
    return { hours, counts, releases };
  });
};

export function ignoreToApi(c: { until?: string; untilCount?: number; untilUsers?: number } | null) {
  if (c === null) return null;
  return { until: c.until ?? null, until_count: c.untilCount ?? null, until_users: c.untilUsers ?? null };
}
