// What every tool shares: its context, the group it may see, and the few readings of a group's fields.
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import type { ReleaseStore, Store } from '../../store/types.js';
import type { McpCaller } from '../access.js';
import { ApiError, type ApiClient } from '../api.js';

export interface ToolContext {
  api: ApiClient;
  caller: McpCaller;
  store: Pick<Store, 'hourlyCounts'>;
  releaseStore?: ReleaseStore | undefined;
  now: () => Date;
}

/** A tool's refusal or failure, told to the model as an error result (isError), not a protocol error. */
export class ToolFailure extends Error {}

export type ToolHandler<A> = (args: A, ctx: ToolContext) => Promise<CallToolResult>;

export type Json = Record<string, unknown>;

/**
 * GET /api/errors/:id for a group the caller may see. A group of a project the token does not cover
 * is answered exactly like one that does not exist, so a token learns nothing of other projects.
 */
export async function visibleGroup(ctx: ToolContext, id: number): Promise<Json> {
  const notFound = new ToolFailure(`Error ${id} not found`);
  let found: Json;
  try {
    found = await ctx.api.get(`/api/errors/${id}`);
  } catch (err) {
    if (err instanceof ApiError && err.status === 404) throw notFound;
    throw err;
  }
  const group = found.error as Json;
  if (!ctx.caller.mayRead(String(group.project))) throw notFound;
  return found;
}

/** `status` where the service gives it (unresolved, resolved, ignored), else from `resolved`. */
export function statusOf(group: Json): string {
  return typeof group.status === 'string' ? group.status : group.resolved ? 'resolved' : 'unresolved';
}

/** The status with what qualifies it: the release a group is resolved in, the condition an ignore wakes on. */
export function statusText(group: Json): string {
  const status = statusOf(group);
  if (status === 'resolved' && group.resolved_in) return `resolved in ${String(group.resolved_in)}`;
  const ignore = group.ignore as Json | null | undefined;
  if (status === 'ignored' && ignore) {
    const until = [
      ignore.until_count != null ? `it reaches ${ignore.until_count} events` : null,
      ignore.until_users != null ? `it reaches ${ignore.until_users} users` : null,
      ignore.until != null ? String(ignore.until) : null,
    ].filter(Boolean);
    if (until.length) return `ignored until ${until.join(' or ')}`;
  }
  return status;
}

/** Users affected, whatever its shape: a number, or an object with a count (and whether it is exact, estimated or has more). */
export function usersText(users: unknown): string | null {
  if (typeof users === 'number') return String(users);
  if (!users || typeof users !== 'object') return null;
  const u = users as Json;
  const n = [u.count, u.distinct, u.total, u.exact, u.estimate].find((v) => typeof v === 'number');
  if (n === undefined) return null;
  return `${u.estimated || u.exact === false ? '~' : ''}${n}${u.more ? '+' : ''}`;
}

/** The caller's project filter as the API takes it: the one asked for (if allowed), else all it may see. */
export function projectsToQuery(ctx: ToolContext, project: string | undefined): Array<string | undefined> {
  if (project !== undefined) {
    if (!ctx.caller.mayRead(project)) throw new ToolFailure(`This token may not read project '${project}'`);
    return [project];
  }
  return ctx.caller.projects === null ? [undefined] : ctx.caller.projects;
}

export function errorMessage(err: unknown): string {
  if (err instanceof ToolFailure) return err.message;
  if (err instanceof ApiError) return `${err.message} (${err.code})`;
  return 'The tool failed on the server; see its log';
}
