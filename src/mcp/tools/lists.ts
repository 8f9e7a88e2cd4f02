// list_projects and list_errors: what a token may see, one line per project or group.
import { z } from 'zod';
import { CAPS, Notes, toolResult } from '../result.js';
import { projectsToQuery, statusOf, statusText, usersText, type Json, type ToolContext } from './shared.js';

const MAX_LIMIT = 50;

export async function listProjects(_args: Record<string, never>, ctx: ToolContext) {
  const reply = await ctx.api.get('/api/projects');
  const details = ((reply.details as Json[] | undefined) ?? []).filter((p) => ctx.caller.mayRead(String(p.name)));
  // Never the ingest key or DSN (an agent reads errors, it does not send them), nor quota details.
  const projects = details.map(({ ingest_key: _k, dsn: _d, quota: _q, dropped: _dr, ...p }) => p);
  const text = projects.length
    ? projects.map((p) => `${p.name}: ${p.unresolved} unresolved${typeof p.ignored === 'number' ? `, ${p.ignored} ignored` : ''} of ${p.groups} groups`).join('\n')
    : 'No projects visible to this token.';
  return toolResult(text, { projects }, new Notes());
}

export const listErrorsInput = {
  project: z.string().min(1).max(100).optional().describe('Project name; omitted, every project the token may read'),
  status: z.enum(['unresolved', 'resolved', 'ignored', 'all']).default('unresolved').describe('Which groups (default unresolved)'),
  search: z.string().min(1).max(200).optional().describe('Text in the exception type or message'),
  release: z.string().min(1).max(200).optional().describe('Groups seen in this release'),
  environment: z.string().min(1).max(200).optional().describe('Groups seen in this environment'),
  tag: z
    .array(z.string().regex(/^[^:]{1,200}:.{1,200}$/s, 'a tag filter is key:value'))
    .max(10)
    .optional()
    .describe('Tag filters as key:value (all must match), e.g. ["browser:Firefox"]'),
  sort: z.enum(['last_seen', 'first_seen', 'count', 'users']).default('last_seen').describe('Order, most first (default last_seen)'),
  limit: z.number().int().min(1).max(MAX_LIMIT).default(20).describe(`How many groups (1-${MAX_LIMIT}, default 20)`),
};
type ListErrorsArgs = { [K in keyof typeof listErrorsInput]: z.output<(typeof listErrorsInput)[K]> };

export async function listErrors(args: ListErrorsArgs, ctx: ToolContext) {
  const notes = new Notes();
  const query = {
    status: args.status,
    // The list filters on resolved too, so the status holds whether or not the service knows `status`.
    resolved: args.status === 'resolved' ? 'true' : args.status === 'unresolved' ? 'false' : undefined,
    search: args.search,
    release: args.release,
    environment: args.environment,
    tag: args.tag,
    sort: args.sort,
    limit: args.limit,
  };
  // A token limited to several projects: one page per project, merged in the order asked for.
  let items: Json[] = [];
  let total = 0;
  const queries = projectsToQuery(ctx, args.project);
  for (const project of queries) {
    const reply = await ctx.api.get('/api/errors', { ...query, project });
    items.push(...((reply.errors as Json[] | undefined) ?? []));
    total += Number(reply.total ?? 0);
  }
  if (args.status === 'ignored' && items.some((g) => g.status === undefined)) {
    // A service without ignoring has no ignored groups; its list would not have filtered on it.
    items = [];
    total = 0;
    notes.add('this service does not support ignoring groups');
  }
  // One query: the API's order stands. Several (a token for some projects): merged on the sort field.
  if (queries.length > 1) items.sort((a, b) => sortValue(b, args.sort) - sortValue(a, args.sort));
  const errors = items.slice(0, args.limit).map((g) => listItem(g, notes));
  const header = `${total} ${args.status === 'all' ? '' : `${args.status} `}group${total === 1 ? '' : 's'}${errors.length < total ? `, the first ${errors.length} by ${args.sort}` : ''}:`;
  const text = errors.length ? [header, ...errors.map(itemLine)].join('\n') : `No ${args.status === 'all' ? '' : `${args.status} `}groups match.`;
  return toolResult(text, { total, errors }, notes);
}

function sortValue(g: Json, sort: string): number {
  const v = g[sort];
  if (typeof v === 'number') return v;
  if (typeof v === 'string') return Date.parse(v) || 0;
  const n = v && typeof v === 'object' ? Number(usersText(v)?.replace(/[~+]/g, '')) : NaN;
  return Number.isNaN(n) ? 0 : n;
}

/** A list row as the API gives it, with new fields passed through; the 24-hour bars become one sum. */
function listItem(g: Json, notes: Notes): Json {
  // Lean rows, so 50 fit a result: no fingerprint, no resolved flag beside the status, no empty fields.
  const { trend, fingerprint: _f, message_truncated: _c, resolved: _r, message, ...rest } = g;
  const present = Object.fromEntries(Object.entries(rest).filter(([, v]) => v !== null && v !== ''));
  const item: Json = { ...present, status: statusOf(g), message: notes.text(String(message ?? ''), CAPS.listMessage, `message of #${g.id}`) };
  if (Array.isArray(trend)) item.events_24h = trend.reduce((n: number, c) => n + Number(c), 0);
  for (const [k, v] of Object.entries(item)) {
    if (typeof v === 'string' && v.length > CAPS.listMessage) item[k] = notes.text(v, CAPS.listMessage, `${k} of #${g.id}`);
    else if (v && typeof v === 'object') item[k] = notes.json(v, CAPS.smallJson, `${k} of #${g.id}`);
  }
  return item;
}

function itemLine(g: Json): string {
  const users = usersText(g.users);
  const where = g.file ? ` at ${g.file}${g.line === null || g.line === undefined ? '' : `:${g.line}`}` : '';
  const facts = [
    String(g.project),
    `${g.count} events${g.events_24h === undefined ? '' : ` (${g.events_24h} in 24h)`}`,
    users === null ? null : `${users} users`,
    `last ${g.last_seen}`,
    `first ${g.first_seen}`,
    g.release ? `release ${g.release}` : null,
    g.environment ? `env ${g.environment}` : null,
  ].filter(Boolean);
  return `#${g.id} [${statusText(g)}] ${g.exception_type}: ${g.message}${where}\n    ${facts.join(' · ')}`;
}
