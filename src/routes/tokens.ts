// /api/tokens: upload and agent tokens, created (the token shown once), listed and revoked by the operator.
import type { FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import { errors } from '../errors.js';
import type { ApiToken, Store, TokenStore } from '../store/types.js';
import { parseOrThrow } from '../validation.js';

export interface TokenRoutesDeps {
  tokenStore: TokenStore;
  store: Pick<Store, 'listProjects'>;
}

/** The scopes each kind may hold; the first is what a token gets when it names none. */
const SCOPES = { upload: ['upload'], agent: ['read', 'triage'] } as const;

const createSchema = z.strictObject({
  kind: z.enum(['upload', 'agent']),
  name: z.string().trim().min(1).max(100),
  /** Omitted or null: every project, present and future. */
  projects: z.array(z.string().min(1).max(100)).min(1).max(100).nullable().optional(),
  scopes: z.array(z.string()).max(5).optional(),
});
const listSchema = z.object({ kind: z.enum(['upload', 'agent']).optional() });
const idSchema = z.object({ id: z.coerce.number().int().positive() });

/** A token as the API shows it: never its value or digest, only its prefix. */
export function tokenToApi(t: ApiToken) {
  return {
    id: t.id,
    kind: t.kind,
    name: t.name,
    prefix: t.prefix,
    projects: t.projects,
    scopes: t.scopes,
    created_at: t.createdAt,
    last_used_at: t.lastUsedAt,
    revoked_at: t.revokedAt,
  };
}

export const tokenRoutes: FastifyPluginAsync<TokenRoutesDeps> = async (app, { tokenStore, store }) => {
  app.post('/api/tokens', async (request, reply) => {
    const body = parseOrThrow(createSchema, request.body ?? {});
    const allowed: readonly string[] = SCOPES[body.kind];
    const scopes = body.scopes === undefined ? [allowed[0]!] : [...new Set(body.scopes)];
    const bad = scopes.find((s) => !allowed.includes(s));
    if (bad !== undefined) throw errors.validation([{ path: 'scopes', message: `'${bad}' is not a scope of ${body.kind} tokens (${allowed.join(', ')})` }]);
    // Triage implies reading: an agent token that may resolve may also see what it resolves.
    if (body.kind === 'agent' && !scopes.includes('read')) scopes.unshift('read');
    const projects = body.projects ?? null;
    if (projects) {
      const known = new Set(await store.listProjects());
      const unknown = projects.filter((p) => !known.has(p));
      if (unknown.length > 0) throw errors.validation([{ path: 'projects', message: `no such project: ${unknown.join(', ')}` }]);
    }
    const { token, record } = await tokenStore.createToken({ kind: body.kind, name: body.name, projects, scopes });
    request.log.info({ event: 'token_created', id: record.id, kind: record.kind, name: record.name }, 'API token created');
    // The only time the token is ever shown.
    return reply.code(201).send({ ...tokenToApi(record), token });
  });

  app.get('/api/tokens', async (request) => {
    const { kind } = parseOrThrow(listSchema, request.query);
    return { tokens: (await tokenStore.listTokens(kind)).map(tokenToApi) };
  });

  app.delete('/api/tokens/:id', async (request, reply) => {
    const { id } = parseOrThrow(idSchema, request.params);
    if (!(await tokenStore.revokeToken(id))) throw errors.tokenNotFound(id);
    request.log.info({ event: 'token_revoked', id }, 'API token revoked');
    return reply.code(204).send();
  });
};
