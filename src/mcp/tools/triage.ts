// The triage tools (triage scope only): resolve (optionally in the next release), ignore, reopen.
import { z } from 'zod';
import { ApiError } from '../api.js';
import { Notes, toolResult } from '../result.js';
import { statusOf, statusText, ToolFailure, visibleGroup, type Json, type ToolContext } from './shared.js';

export const idInput = { id: z.number().int().min(1).describe('The error group id (#id in list_errors)') };

export const resolveInput = {
  ...idInput,
  in_release: z
    .string()
    .min(1)
    .max(200)
    .optional()
    .describe('"next": resolved for releases after the current one (an occurrence from it or older does not reopen it); or a release name. Omitted: resolved now'),
};

export const ignoreInput = {
  ...idInput,
  until_count: z.number().int().min(1).optional().describe('Ignore until it happens this many more times'),
  until: z.iso.datetime({ offset: true }).optional().describe('Ignore until this time (ISO 8601)'),
  until_users: z.number().int().min(1).optional().describe('Ignore until this many more users are affected'),
};

export async function resolveError(args: { id: number; in_release?: string | undefined }, ctx: ToolContext) {
  await visibleGroup(ctx, args.id);
  const reply = await ctx.api.post(`/api/errors/${args.id}/resolve`, args.in_release === undefined ? undefined : { in_release: args.in_release });
  const notes = new Notes();
  // A service that does not know resolving in a release resolves outright: say so rather than pretend.
  if (args.in_release !== undefined && (reply.resolved_in === undefined || reply.resolved_in === null)) {
    notes.add('this service resolved the group outright: it does not support resolving in a release');
  }
  return after(ctx, args.id, 'resolved', reply, notes);
}

export async function ignoreError(args: { id: number; until_count?: number | undefined; until?: string | undefined; until_users?: number | undefined }, ctx: ToolContext) {
  const { id, ...conditions } = args;
  const given = Object.fromEntries(Object.entries(conditions).filter(([, v]) => v !== undefined));
  if (Object.keys(given).length > 1) throw new ToolFailure('Give at most one of until_count, until, until_users');
  await visibleGroup(ctx, id);
  let reply: Json;
  try {
    reply = await ctx.api.post(`/api/errors/${id}/ignore`, given);
  } catch (err) {
    if (err instanceof ApiError && err.code === 'route_not_found') throw new ToolFailure('This service does not support ignoring groups');
    throw err;
  }
  return after(ctx, id, 'ignored', reply, new Notes());
}

export async function reopenError({ id }: { id: number }, ctx: ToolContext) {
  await visibleGroup(ctx, id);
  let reply: Json;
  try {
    // Reopen clears an ignore too; a service without ignoring has only unresolve.
    reply = await ctx.api.post(`/api/errors/${id}/reopen`);
  } catch (err) {
    if (!(err instanceof ApiError && err.code === 'route_not_found')) throw err;
    reply = await ctx.api.post(`/api/errors/${id}/unresolve`);
  }
  return after(ctx, id, 'reopened', reply, new Notes());
}

/** The group as it stands after the action, read back, with what the API answered. */
async function after(ctx: ToolContext, id: number, action: string, reply: Json, notes: Notes) {
  const group = (await visibleGroup(ctx, id)).error as Json;
  const status = statusOf(group);
  const text = `#${id} ${action}: now ${statusText(group)}. ${group.exception_type}: ${String(group.message).slice(0, 200)}`;
  return toolResult(text, { id, action, status, resolved: group.resolved, reply }, notes);
}
