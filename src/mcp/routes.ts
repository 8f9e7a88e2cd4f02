// /mcp: the MCP Streamable HTTP transport (stateless, JSON replies) for agents with an agent token or the operator key.
import { WebStandardStreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js';
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { errors } from '../errors.js';
import type { ReleaseStore, Store } from '../store/types.js';
import { callerOf } from './access.js';
import { createApiClient } from './api.js';
import { createMcpServer, TRIAGE_TOOLS, who } from './server.js';

export interface McpRoutesDeps {
  /** The operator key, with which the tools call the API in-process once the caller is checked. */
  apiKey: string;
  store: Pick<Store, 'hourlyCounts'>;
  releaseStore?: ReleaseStore | undefined;
  /** MCP_ALLOWED_ORIGINS, lower case. */
  allowedOrigins: readonly string[];
  now: () => Date;
}

/** The request headers the transport reads. */
const TRANSPORT_HEADERS = ['accept', 'content-type', 'mcp-protocol-version', 'mcp-session-id', 'last-event-id'];
const CORS_ALLOW_HEADERS = 'authorization, content-type, accept, mcp-protocol-version, mcp-session-id, last-event-id';

export const mcpRoutes: FastifyPluginAsync<McpRoutesDeps> = async (app, deps) => {
  const allowed = new Set(deps.allowedOrigins);
  // Agents are not browsers and send no Origin. A browser always does on a POST, and a page whose name
  // was rebound to this address (DNS rebinding) would carry its own: refused unless configured.
  const originAllowed = (origin: string | undefined) => origin === undefined || allowed.has(origin.toLowerCase());

  app.addHook('onRequest', async (request) => {
    const origin = request.headers.origin;
    if (!originAllowed(origin)) {
      request.log.warn({ event: 'mcp_origin_refused', ip: request.ip }, 'MCP request from a refused Origin');
      throw errors.mcpOriginNotAllowed(printable(origin!));
    }
  });
  app.addHook('onSend', (request, reply, payload, done) => {
    const origin = request.headers.origin;
    if (origin !== undefined && originAllowed(origin)) {
      reply.header('access-control-allow-origin', origin).header('vary', 'Origin').header('access-control-expose-headers', 'mcp-session-id, mcp-protocol-version');
    }
    done(null, payload);
  });

  app.options('/mcp', { config: { access: 'public' } }, async (request, reply) => {
    if (request.headers.origin !== undefined) {
      reply.header('access-control-allow-methods', 'POST, GET, DELETE').header('access-control-allow-headers', CORS_ALLOW_HEADERS).header('access-control-max-age', '3600');
    }
    return reply.code(204).send();
  });

  app.post('/mcp', { config: { access: 'agent' } }, async (request, reply) => {
    const caller = callerOf(request.principal!);
    logRefusedTriage(request, caller);
    const api = createApiClient(app, deps.apiKey, request.ip);
    const server = createMcpServer({ api, caller, store: deps.store, releaseStore: deps.releaseStore, now: deps.now }, request.log);
    const transport = new WebStandardStreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
    try {
      await server.connect(transport);
      // JSON mode: the reply is whole when this resolves. The tools send no server-initiated
      // messages (progress, sampling), so no reply ever needs to be an event stream.
      const response = await transport.handleRequest(toWebRequest(request), { parsedBody: request.body });
      reply.code(response.status);
      response.headers.forEach((value, name) => void reply.header(name, value));
      const body = response.body ? await response.text() : undefined;
      return reply.send(body);
    } finally {
      await server.close().catch((err: unknown) => request.log.warn({ err }, 'closing an MCP server failed'));
    }
  });

  // Stateless: no stream of server-initiated messages and no session to end (the transport's 405).
  for (const method of ['GET', 'DELETE'] as const) {
    app.route({
      method,
      url: '/mcp',
      config: { access: 'agent' },
      handler: async (_request, reply) =>
        reply.code(405).header('allow', 'POST').send({ jsonrpc: '2.0', error: { code: -32000, message: 'Method not allowed: this server is stateless; POST JSON-RPC messages to /mcp' }, id: null }),
    });
  }
};

/** A triage call by a token without the triage scope: not even offered the tool, and logged as a refusal. */
function logRefusedTriage(request: FastifyRequest, caller: ReturnType<typeof callerOf>): void {
  if (caller.canTriage) return;
  const messages = Array.isArray(request.body) ? request.body : [request.body];
  for (const m of messages as Array<{ method?: unknown; params?: { name?: unknown } } | undefined>) {
    const tool = m?.method === 'tools/call' ? m.params?.name : undefined;
    if (typeof tool === 'string' && (TRIAGE_TOOLS as readonly string[]).includes(tool)) {
      request.log.warn({ event: 'mcp_tool_refused', tool, ...who(caller), reason: 'no triage scope' }, 'MCP triage call refused');
    }
  }
}

function toWebRequest(request: FastifyRequest): Request {
  const headers = new Headers();
  for (const name of TRANSPORT_HEADERS) {
    const value = request.headers[name];
    if (typeof value === 'string') headers.set(name, value);
  }
  return new Request(`http://localhost${request.url}`, { method: request.method, headers });
}

/** An Origin echoed in an error: printable and bounded. */
function printable(origin: string): string {
  return origin.replace(/[^\x20-\x7e]/g, '?').slice(0, 200);
}
