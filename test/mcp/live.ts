// A live service for the MCP tests: two projects with real events, agent, upload and ingest credentials, and an SDK client.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { startServer, type Running } from '../spawn-server.js';

export const OPERATOR = 'mcp-test-operator-key-0123456789';
export const ALLOWED_ORIGIN = 'http://agent-ui.example';

export interface Live {
  server: Running;
  dir: string;
  dbPath: string;
  projects: Record<string, { id: number; ingest_key: string }>;
  api(path: string, init?: RequestInit): Promise<Record<string, any>>;
  createToken(body: Record<string, unknown>): Promise<string>;
  /** Posts a Sentry event to a project over /store/ and returns the group id. */
  sentryEvent(project: string, event: Record<string, unknown>): Promise<number>;
  stop(): Promise<void>;
}

export async function startLive(env: Record<string, string> = {}): Promise<Live> {
  const dir = mkdtempSync(join(tmpdir(), 'et-mcp-'));
  const dbPath = join(dir, 'errors.db');
  const server = await startServer(dir, { API_KEY: OPERATOR, DATABASE_PATH: dbPath, RATE_LIMIT_PER_MINUTE: '0', MCP_ALLOWED_ORIGINS: ALLOWED_ORIGIN, ...env });
  const api = async (path: string, init: RequestInit = {}) => {
    const res = await fetch(`${server.url}${path}`, { ...init, headers: { 'x-api-key': OPERATOR, 'content-type': 'application/json', ...(init.headers ?? {}) } });
    if (res.status >= 400) throw new Error(`${path}: ${res.status} ${await res.text()}`);
    return res.status === 204 ? {} : ((await res.json()) as Record<string, any>);
  };
  const projects: Live['projects'] = {};
  for (const name of ['shop', 'blog']) {
    const p = await api('/api/projects', { method: 'POST', body: JSON.stringify({ name }) });
    projects[name] = { id: p.id, ingest_key: p.ingest_key };
  }
  return {
    server,
    dir,
    dbPath,
    projects,
    api,
    createToken: async (body) => (await api('/api/tokens', { method: 'POST', body: JSON.stringify(body) })).token,
    sentryEvent: async (project, event) => {
      const { id, ingest_key } = projects[project]!;
      const res = await fetch(`${server.url}/api/${id}/store/?sentry_key=${ingest_key}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(event) });
      if (res.status !== 200) throw new Error(`store: ${res.status} ${await res.text()}`);
      const list = await api(`/api/errors?project=${project}&limit=200`);
      const type = (event.exception as { values: Array<{ type: string }> }).values.at(-1)!.type;
      return list.errors.find((e: { exception_type: string }) => e.exception_type === type).id;
    },
    stop: async () => {
      if (server.child.exitCode === null) {
        server.child.kill('SIGTERM');
        await server.exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The SDK's own client over Streamable HTTP, with the token as `Authorization: Bearer`. */
export async function connect(url: string, token: string, headers: Record<string, string> = {}): Promise<Client> {
  const client = new Client({ name: 'error-tracker-test', version: '1.0.0' });
  const transport = new StreamableHTTPClientTransport(new URL(`${url}/mcp`), { requestInit: { headers: { authorization: `Bearer ${token}`, ...headers } } });
  await client.connect(transport);
  return client;
}

/** A Python-style Sentry event with a cause, source context, breadcrumbs, request, user, tags, contexts and a release. */
export function richEvent(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    platform: 'python',
    level: 'error',
    release: 'shop@1.4.2',
    environment: 'production',
    server_name: 'web-1',
    user: { id: 'u-17', email: 'ada@example.com' },
    tags: { region: 'eu-west', feature: 'checkout' },
    contexts: { runtime: { name: 'CPython', version: '3.12.1' } },
    request: { url: 'https://shop.example.com/cart/checkout?step=2', method: 'POST', headers: { 'User-Agent': 'Mozilla/5.0' } },
    breadcrumbs: { values: [{ timestamp: 1767225600, category: 'http', message: 'GET /cart 200' }, { timestamp: 1767225601, category: 'db', level: 'info', message: 'SELECT * FROM carts' }] },
    exception: {
      values: [
        { type: 'KeyError', value: "'sku'", stacktrace: { frames: [{ filename: 'app/cart.py', lineno: 40, function: 'load_cart', in_app: true }] } },
        {
          type: 'CheckoutError',
          value: 'cart could not be priced',
          stacktrace: {
            frames: [
              { filename: 'flask/app.py', lineno: 880, function: 'full_dispatch_request', in_app: false },
              {
                filename: 'app/checkout.py',
                lineno: 57,
                function: 'price_cart',
                in_app: true,
                pre_context: ['def price_cart(cart):', '    total = 0'],
                context_line: '    raise CheckoutError("cart could not be priced")',
                post_context: ['', 'def pay(cart):'],
              },
            ],
          },
        },
      ],
    },
    ...overrides,
  };
}
