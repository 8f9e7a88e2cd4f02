// get_occurrences and list_releases: the last five events of a group, and a project's releases.
import { z } from 'zod';
import { ApiError } from '../api.js';
import { CAPS, Notes, toolResult } from '../result.js';
import { projectsToQuery, ToolFailure, visibleGroup, type Json, type ToolContext } from './shared.js';

export async function getOccurrences({ id }: { id: number }, ctx: ToolContext) {
  const found = await visibleGroup(ctx, id);
  const notes = new Notes();
  const occurrences = ((found.occurrences as Json[] | undefined) ?? []).map((o, i) => {
    const exceptions = (o.exceptions as Json[] | undefined) ?? [];
    const captured = exceptions.at(-1);
    const request = o.request as Json | null;
    return {
      timestamp: o.timestamp,
      level: o.level ?? null,
      message: notes.text(String(o.message ?? ''), CAPS.listMessage * 2, `message of occurrence ${i + 1}`),
      release: o.release ?? null,
      environment: o.environment ?? null,
      server_name: o.server_name ?? null,
      user: notes.json(o.user, CAPS.smallJson, `user of occurrence ${i + 1}`),
      request: request ? { method: request.method ?? null, url: notes.nullableText(request.url, CAPS.smallJson, `url of occurrence ${i + 1}`) } : null,
      tags: notes.json(o.tags, CAPS.smallJson, `tags of occurrence ${i + 1}`),
      exception: captured ? notes.text(`${captured.type ?? ''}: ${captured.value ?? ''}`, CAPS.listMessage * 2, `exception of occurrence ${i + 1}`) : null,
      breadcrumbs: Array.isArray(o.breadcrumbs) ? o.breadcrumbs.length : 0,
    };
  });
  const text = occurrences.length
    ? [
        `The last ${occurrences.length} occurrences of #${id}, newest first:`,
        ...occurrences.map((o) =>
          [
            `- ${o.timestamp}${o.level ? ` [${o.level}]` : ''} ${o.message}`,
            [o.release && `release ${o.release}`, o.environment && `env ${o.environment}`, o.server_name && `server ${o.server_name}`, o.request && `${o.request.method ?? ''} ${o.request.url ?? ''}`.trim(), o.user && `user ${JSON.stringify(o.user)}`, o.breadcrumbs && `${o.breadcrumbs} breadcrumbs`]
              .filter(Boolean)
              .join(' · '),
          ]
            .filter(Boolean)
            .join('\n    '),
        ),
      ].join('\n')
    : `#${id} has no stored occurrences.`;
  return toolResult(text, { id, occurrences }, notes);
}

export const listReleasesInput = {
  project: z.string().min(1).max(100).optional().describe('Project name (may be left out when the token covers one project)'),
  limit: z.number().int().min(1).max(50).default(20).describe('How many releases, newest first (1-50, default 20)'),
};

export async function listReleases(args: { project?: string | undefined; limit: number }, ctx: ToolContext) {
  const projects = projectsToQuery(ctx, args.project);
  if (projects.length !== 1 || projects[0] === undefined) throw new ToolFailure('Name a project: releases are listed per project');
  const project = projects[0];
  const notes = new Notes();
  let releases: Json[];
  try {
    const reply = await ctx.api.get('/api/releases', { project, limit: args.limit });
    releases = ((reply.releases as Json[] | undefined) ?? []).slice(0, args.limit);
  } catch (err) {
    // A service without the release list answers from the release records alone.
    if (!(err instanceof ApiError && err.code === 'route_not_found') || !ctx.releaseStore) throw err;
    releases = await fromRecords(ctx, project, args.limit);
  }
  const items = releases.map((r) => {
    const out: Json = {};
    for (const [k, v] of Object.entries(r)) {
      out[k] = typeof v === 'string' ? notes.text(v, CAPS.listMessage, `${k} of release ${r.version}`) : v && typeof v === 'object' ? notes.json(v, CAPS.json, `${k} of release ${r.version}`) : v;
    }
    return out;
  });
  const text = items.length
    ? [`Releases of ${project}, newest first:`, ...items.map(releaseLine)].join('\n')
    : `${project} has no releases.`;
  return toolResult(text, { project, releases: items }, notes);
}

async function fromRecords(ctx: ToolContext, project: string, limit: number): Promise<Json[]> {
  const records = await ctx.releaseStore!.listReleaseRecords(project, limit);
  return Promise.all(
    records.map(async (r) => ({
      version: r.version,
      created_at: r.createdAt,
      created_by: r.createdBy,
      finalized_at: r.finalizedAt,
      deploys: (await ctx.releaseStore!.listDeploys(project, r.version)).map((d) => ({ environment: d.environment, name: d.name, finished_at: d.finishedAt })),
    })),
  );
}

function releaseLine(r: Json): string {
  const deploys = Array.isArray(r.deploys) ? r.deploys : [];
  const counts = ['new_groups', 'regressions', 'events']
    .filter((k) => r[k] !== undefined && r[k] !== null)
    .map((k) => `${k.replace('_', ' ')} ${typeof r[k] === 'object' ? JSON.stringify(r[k]) : r[k]}`);
  const envs = deploys.map((d: Json) => d.environment).filter(Boolean);
  return `- ${r.version} (created ${r.created_at ?? '?'})${counts.length ? ` · ${counts.join(' · ')}` : ''}${envs.length ? ` · deployed to ${[...new Set(envs)].join(', ')}` : ''}`;
}
