// Which of our projects a Sentry web-API request names, and whether its key may act on them.
import type { FastifyRequest } from 'fastify';
import { mayActOn } from '../../auth.js';
import { errors } from '../../errors.js';
import type { Store } from '../../store/types.js';

export type ProjectReader = Pick<Store, 'getProject' | 'listProjectSummaries'>;

/**
 * sentry-cli sends projects as slugs, or as numbers when the slug is all digits
 * (src/api/serialization.rs, serialize_id_slug_list): a number is our project's numeric id unless a
 * project has that name. A token that may not act on a project is refused before it learns whether
 * the project exists.
 */
export async function resolveProjects(request: FastifyRequest, given: Array<string | number>, store: ProjectReader): Promise<string[]> {
  const names: string[] = [];
  let byId: Map<number, string> | undefined;
  for (const g of given) {
    const asText = String(g);
    let name = (await store.getProject(asText)) ? asText : undefined;
    if (name === undefined && /^\d+$/.test(asText)) {
      byId ??= new Map((await store.listProjectSummaries()).map((p) => [p.id, p.name]));
      name = byId.get(Number(asText));
    }
    if (!mayActOn(request.principal, name ?? asText)) throw errors.tokenProjectNotAllowed(name ?? asText);
    if (name === undefined) throw errors.unknownProject(asText);
    if (!names.includes(name)) names.push(name);
  }
  return names;
}
