// /mcp: the MCP Streamable HTTP transport (stateless, JSON replies) for agents with an agent token or the operator key.
import { Readable } from 'node:stream';
import type { ReadableStream as NodeReadableStream } from 'node:stream/web';
import { WebStandardStreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
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
    reply.raw.once('close', () => void server.close().catch(() => {}));
    await server.connect(transport);
    const response = await transport.handleRequest(toWebRequest(request), { parsedBody: request.body });
    return sendWebResponse(reply, response);
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

async function sendWebResponse(reply: FastifyReply, response: Response): Promise<FastifyReply> {
  reply.code(response.status);
  response.headers.forEach((value, name) => void reply.header(name, value));
  if (!response.body) return reply.send();
  // The transport answers with an event stream where the protocol asks for one; passed on as it comes.
  if (response.headers.get('content-type')?.startsWith('text/event-stream')) {
    return reply.send(Readable.fromWeb(response.body as NodeReadableStream<Uint8Array>));
  }
  return reply.send(await response.text());
}

/** An Origin echoed in an error: printable and bounded. */
function printable(origin: string): string {
  return origin.replace(/[^\x20-\x7e]/g, '?').slice(0, 200);
}
