// get_error: one group with what an agent needs to fix it, every part capped for a model's context.
import { hourKey } from '../../store/hour-key.js';
import { CAPS, Notes, toolResult } from '../result.js';
import { statusOf, statusText, usersText, visibleGroup, type Json, type ToolContext } from './shared.js';

const TREND_DAYS = 14;
const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

type Frame = { filename?: string; abs_path?: string; function?: string; module?: string; lineno?: number; colno?: number; in_app?: boolean; context_line?: string; pre_context?: string[]; post_context?: string[] };
type Exception = { type?: string; value?: string; module?: string; mechanism?: Json; frames?: Frame[]; frames_omitted?: number };

export async function getError({ id }: { id: number }, ctx: ToolContext) {
  const found = await visibleGroup(ctx, id);
  const notes = new Notes();
  const { traceback, frames: parsedFrames, message, fingerprint: _f, ...fields } = found.error as Json;
  const latest = ((found.occurrences as Json[] | undefined) ?? [])[0];
  const exceptions = (latest?.exceptions as Exception[] | undefined) ?? [];
  const trend = await dailyTrend(ctx, id);

  const group: Json = { ...fields, status: statusOf(found.error as Json), message: notes.text(String(message ?? ''), CAPS.message, 'message') };
  // Users affected: on the group where the service keeps them there, else beside it.
  group.users = found.users_affected ?? fields.users ?? found.users ?? null;
  group.first_release = fields.first_release ?? null;
  group.last_release = fields.last_release ?? fields.release ?? null;

  const structured: Json = {
    group,
    crash_frame: crashFrame(exceptions, parsedFrames as Json[] | undefined, found.error as Json, notes),
    exception_chain: chain(exceptions, notes),
    traceback: notes.traceback(String(traceback ?? ''), CAPS.traceback),
    trend_14d: trend,
    latest_occurrence: latest ? latestDetails(latest, notes) : null,
    tags: tagSummary((found.tags as Json[] | undefined) ?? [], notes),
  };
  return toolResult(render(structured), structured, notes);
}

/** The crash site: the innermost in-app frame of the captured exception, with its source lines when the SDK sent them. */
function crashFrame(exceptions: Exception[], parsed: Json[] | undefined, group: Json, notes: Notes): Json {
  const frames = exceptions.at(-1)?.frames ?? [];
  const frame = [...frames].reverse().find((f) => f.in_app) ?? frames.at(-1);
  if (!frame) {
    const inApp = parsed?.find((f) => f.in_app) ?? parsed?.[0];
    return { file: group.file || inApp?.file || null, line: group.line ?? inApp?.line ?? null, function: group.function || inApp?.function || null, source: null };
  }
  const line = (s: string) => notes.text(s, CAPS.sourceLine, 'a source line');
  const hasSource = frame.context_line !== undefined;
  return {
    file: frame.filename ?? frame.abs_path ?? null,
    line: frame.lineno ?? null,
    column: frame.colno ?? null,
    function: frame.function ?? null,
    module: frame.module ?? null,
    source: hasSource
      ? {
          pre: (frame.pre_context ?? []).slice(-CAPS.sourceLines).map(line),
          line: line(frame.context_line!),
          post: (frame.post_context ?? []).slice(0, CAPS.sourceLines).map(line),
        }
      : null,
  };
}

/** The chain, causes first and the captured exception last; each with its innermost frames. */
function chain(exceptions: Exception[], notes: Notes): Json[] {
  if (exceptions.length > CAPS.chainExceptions) notes.add(`exception chain: the last ${CAPS.chainExceptions} of ${exceptions.length} exceptions`);
  return exceptions.slice(-CAPS.chainExceptions).map((e) => {
    const frames = e.frames ?? [];
    if (frames.length > CAPS.chainFrames) notes.add(`${e.type ?? 'exception'}: the innermost ${CAPS.chainFrames} of ${frames.length} frames`);
    return {
      type: e.type ?? null,
      value: notes.nullableText(e.value, CAPS.message, `${e.type ?? 'exception'} value`),
      mechanism: typeof e.mechanism?.type === 'string' ? e.mechanism.type : null,
      frames: frames.slice(-CAPS.chainFrames).map((f) => notes.text(frameText(f), CAPS.frame, 'a frame')),
      frames_total: frames.length + (e.frames_omitted ?? 0),
    };
  });
}

function frameText(f: Frame): string {
  const where = `${f.filename ?? f.abs_path ?? f.module ?? '?'}${f.lineno === undefined ? '' : `:${f.lineno}`}${f.colno === undefined ? '' : `:${f.colno}`}`;
  return `${where} in ${f.function ?? '?'}${f.in_app ? '' : ' (library)'}`;
}

/** The latest occurrence's context: breadcrumbs (the last few), request, user, tags and contexts. */
function latestDetails(o: Json, notes: Notes): Json {
  const crumbs = (o.breadcrumbs as Json[] | undefined) ?? [];
  if (crumbs.length > CAPS.breadcrumbs) notes.add(`breadcrumbs: the last ${CAPS.breadcrumbs} of ${crumbs.length}`);
  const request = o.request as Json | null;
  return {
    timestamp: o.timestamp,
    level: o.level ?? null,
    release: o.release ?? null,
    environment: o.environment ?? null,
    server_name: o.server_name ?? null,
    sdk: o.sdk ?? null,
    user: notes.json(o.user, CAPS.smallJson, 'user'),
    request: request
      ? {
          method: request.method ?? null,
          url: notes.nullableText(request.url, CAPS.smallJson, 'request url'),
          headers: notes.json(request.headers, CAPS.json, 'request headers'),
          query_string: notes.json(request.query_string, CAPS.smallJson, 'request query string'),
          data: notes.json(request.data, CAPS.smallJson, 'request data'),
        }
      : null,
    tags: notes.json(o.tags, CAPS.json, 'tags of the latest occurrence'),
    contexts: notes.json(o.contexts, CAPS.json, 'contexts'),
    breadcrumbs: crumbs.slice(-CAPS.breadcrumbs).map((b) => ({
      timestamp: b.timestamp ?? null,
      category: b.category ?? b.type ?? null,
      level: b.level ?? null,
      message: notes.nullableText(b.message, CAPS.breadcrumbMessage, 'a breadcrumb message'),
      ...(b.data === undefined ? {} : { data: notes.json(b.data, CAPS.breadcrumbData, 'breadcrumb data') }),
    })),
  };
}

/** The group's tag distributions: the top three values of each key. */
function tagSummary(tags: Json[], notes: Notes): Json {
  if (tags.length > CAPS.tagKeys) notes.add(`tag distributions: ${CAPS.tagKeys} of ${tags.length} keys`);
  const out: Json = {};
  for (const t of tags.slice(0, CAPS.tagKeys)) {
    const values = (t.values as Array<{ value: string; count: number }>).slice(0, 3);
    out[notes.text(String(t.key), 100, 'a tag key')] = values.map((v) => `${notes.text(v.value, 100, 'a tag value')} (${v.count})`).join(', ') + (Number(t.other) > 0 ? `, others (${t.other})` : '');
  }
  return out;
}

/** Events per day over the last 14 days (UTC), oldest first, from the hourly counts the store keeps that long. */
async function dailyTrend(ctx: ToolContext, id: number): Promise<{ days: string[]; counts: number[]; total: number }> {
  const today = Math.floor(ctx.now().getTime() / DAY_MS) * DAY_MS;
  const first = today - (TREND_DAYS - 1) * DAY_MS;
  const days = Array.from({ length: TREND_DAYS }, (_, i) => new Date(first + i * DAY_MS).toISOString().slice(0, 10));
  const counts = new Array<number>(TREND_DAYS).fill(0);
  const rows = await ctx.store.hourlyCounts([id], hourKey(new Date(first).toISOString()), hourKey(new Date(today + DAY_MS - HOUR_MS).toISOString()));
  for (const r of rows) {
    const i = Math.floor((Date.parse(r.hour) - first) / DAY_MS);
    if (i >= 0 && i < TREND_DAYS) counts[i]! += r.count;
  }
  return { days, counts, total: counts.reduce((a, b) => a + b, 0) };
}

function render(s: Json): string {
  const g = s.group as Json;
  const frame = s.crash_frame as Json;
  const trend = s.trend_14d as { days: string[]; counts: number[]; total: number };
  const latest = s.latest_occurrence as Json | null;
  const users = usersText(g.users);
  const lines = [
    `#${g.id} [${statusText(g)}] ${g.exception_type}: ${g.message}`,
    `project ${g.project} · ${g.count} events${users === null ? '' : ` · ${users} users affected${last24(g.users)}`} · first seen ${g.first_seen} · last seen ${g.last_seen}`,
    `releases: first ${g.first_release ?? 'unknown'}, last ${g.last_release ?? 'unknown'}${g.environment ? ` · environment ${g.environment}` : ''}`,
    `14-day trend (events per day, ${trend.days[0]} to ${trend.days.at(-1)}): ${trend.counts.join(' ')} (total ${trend.total})`,
    '',
    frame.file === null ? 'Crash frame: unknown (the report has no parsable stack)' : `Crash frame: ${frame.file}${frame.line === null ? '' : `:${frame.line}`} in ${frame.function ?? '?'}`,
  ];
  const source = frame.source as { pre: string[]; line: string; post: string[] } | null;
  if (source) {
    const at = Number(frame.line ?? 0);
    source.pre.forEach((l, i) => lines.push(`  ${at - source.pre.length + i}  ${l}`));
    lines.push(`> ${at}  ${source.line}`);
    source.post.forEach((l, i) => lines.push(`  ${at + 1 + i}  ${l}`));
  }
  const chainList = s.exception_chain as Json[];
  if (chainList.length) {
    lines.push('', 'Exception chain (causes first, the captured exception last):');
    for (const e of chainList) {
      lines.push(`- ${e.type}: ${e.value ?? ''}`);
      for (const f of e.frames as string[]) lines.push(`    at ${f}`);
    }
  }
  if (s.traceback) lines.push('', 'Traceback:', String(s.traceback).trimEnd());
  if (latest) {
    lines.push('', `Latest occurrence (${latest.timestamp}${latest.level ? `, ${latest.level}` : ''}):`);
    const request = latest.request as Json | null;
    if (request) lines.push(`request: ${request.method ?? ''} ${request.url ?? ''}`.trim());
    if (latest.user) lines.push(`user: ${JSON.stringify(latest.user)}`);
    if (latest.tags && Object.keys(latest.tags).length) lines.push(`tags: ${JSON.stringify(latest.tags)}`);
    if (latest.contexts && Object.keys(latest.contexts).length) lines.push(`contexts: ${JSON.stringify(latest.contexts)}`);
    const crumbs = latest.breadcrumbs as Json[];
    if (crumbs.length) {
      lines.push('breadcrumbs (oldest first):');
      for (const b of crumbs) lines.push(`  ${b.timestamp ? `${b.timestamp} ` : ''}[${b.category ?? ''}${b.level ? `/${b.level}` : ''}] ${b.message ?? ''}${b.data ? ` ${JSON.stringify(b.data)}` : ''}`);
    }
  }
  const tags = Object.entries(s.tags as Json);
  if (tags.length) lines.push('', 'Tags over all occurrences:', ...tags.map(([k, v]) => `  ${k}: ${v}`));
  return lines.join('\n');
}

function last24(users: unknown): string {
  const n = users && typeof users === 'object' ? (users as Json).last_24h : undefined;
  return typeof n === 'number' ? ` (${n} in the last 24 h)` : '';
}
