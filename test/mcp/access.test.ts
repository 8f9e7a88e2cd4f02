// Who may use /mcp and what they see: read-only and project-limited agent tokens; ingest keys, upload tokens and foreign Origins refused.
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ALLOWED_ORIGIN, connect, richEvent, startLive, type Live } from './live.js';

let live: Live;
let shopId: number;
let blogId: number;
let docsId: number;
let triageToken: string;

type Result = { content: Array<{ type: string; text: string }>; structuredContent?: Record<string, any>; isError?: boolean };
const call = async (client: Client, name: string, args: Record<string, unknown> = {}) => (await client.callTool({ name, arguments: args })) as Result;
const native = (project: string, type: string, message: string) =>
  live.api('/api/errors', { method: 'POST', body: JSON.stringify({ project, exception_type: type, message }) }).then((r) => r.id as number);

/** A raw initialize request, as an agent would send it. */
const initialize = (headers: Record<string, string>) =>
  fetch(`${live.server.url}/mcp`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...headers },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'raw', version: '1' } } }),
  });

beforeAll(async () => {
  live = await startLive();
  await live.api('/api/projects', { method: 'POST', body: JSON.stringify({ name: 'docs' }) });
  shopId = await live.sentryEvent('shop', richEvent());
  blogId = await native('blog', 'TemplateError', 'missing block in blog');
  docsId = await native('docs', 'LinkError', 'dead link in docs');
  triageToken = await live.createToken({ kind: 'agent', name: 'fixer', scopes: ['read', 'triage'] });
});
afterAll(async () => {
  await live?.stop();
});

describe('a read-only agent token', () => {
  it('is not offered the triage tools, and a call to one is refused, logged and changes nothing', async () => {
    const token = await live.createToken({ kind: 'agent', name: 'reader-bot' });
    const client = await connect(live.server.url, token);
    const names = (await client.listTools()).tools.map((t) => t.name).sort();
    expect(names).toEqual(['get_error', 'get_occurrences', 'list_errors', 'list_projects', 'list_releases']);
    for (const [tool, args] of [['resolve_error', { id: shopId }], ['ignore_error', { id: shopId }], ['reopen_error', { id: shopId }]] as const) {
      const outcome = await call(client, tool, args).catch((err: Error) => ({ thrown: err.message }));
      expect('thrown' in outcome || outcome.isError, tool).toBeTruthy();
    }
    expect((await live.api(`/api/errors/${shopId}`)).error.resolved).toBe(false);
    const refused = live.server
      .stdout()
      .split('\n')
      .filter((l) => l.includes('"mcp_tool_refused"'))
      .map((l) => JSON.parse(l));
    expect(refused.map((l) => [l.tool, l.caller])).toEqual([['resolve_error', 'reader-bot'], ['ignore_error', 'reader-bot'], ['reopen_error', 'reader-bot']]);
    // It still reads.
    expect((await call(client, 'get_error', { id: shopId })).structuredContent!.group.id).toBe(shopId);
    await client.close();
  });
});

describe('a token limited to projects', () => {
  it('sees nothing of another project: not in lists, not by id, not by search', async () => {
    const token = await live.createToken({ kind: 'agent', name: 'shop-only', projects: ['shop'], scopes: ['read', 'triage'] });
    const client = await connect(live.server.url, token);
    expect((await call(client, 'list_projects')).structuredContent!.projects.map((p: { name: string }) => p.name)).toEqual(['shop']);
    for (const status of ['unresolved', 'all']) {
      const list = await call(client, 'list_errors', { status });
      expect(list.structuredContent!.errors.map((e: { id: number }) => e.id)).toEqual([shopId]);
      expect(list.structuredContent!.total).toBe(1);
    }
    expect((await call(client, 'list_errors', { search: 'missing block', status: 'all' })).structuredContent!.total).toBe(0);
    const other = await call(client, 'list_errors', { project: 'blog' });
    expect(other.isError).toBe(true);
    expect(JSON.stringify(other)).not.toContain('TemplateError');

    const missing = await call(client, 'get_error', { id: 999_999 });
    for (const tool of ['get_error', 'get_occurrences', 'resolve_error', 'ignore_error', 'reopen_error']) {
      const res = await call(client, tool, { id: blogId });
      expect(res.isError, tool).toBe(true);
      // Told exactly what a group that does not exist is told.
      expect(res.content[0]!.text, tool).toBe(missing.content[0]!.text.replace('999999', String(blogId)));
      expect(JSON.stringify(res), tool).not.toContain('TemplateError');
    }
    expect((await live.api(`/api/errors/${blogId}`)).error.resolved).toBe(false);
    expect((await call(client, 'list_releases', { project: 'blog' })).isError).toBe(true);
    // Its one project is the default where a project is needed.
    expect((await call(client, 'list_releases', {})).structuredContent!.project).toBe('shop');
    await client.close();
  });

  it('a token for several projects lists them together, and none other', async () => {
    const token = await live.createToken({ kind: 'agent', name: 'two-projects', projects: ['shop', 'docs'] });
    const client = await connect(live.server.url, token);
    const list = await call(client, 'list_errors', { status: 'all' });
    expect(list.structuredContent!.errors.map((e: { id: number }) => e.id).sort()).toEqual([shopId, docsId].sort());
    expect(list.structuredContent!.total).toBe(2);
    expect((await call(client, 'list_errors', { status: 'all', limit: 1 })).structuredContent!.errors).toHaveLength(1);
    await client.close();
  });
});

describe('refused credentials and origins', () => {
  it('ingest keys, upload tokens, revoked and missing tokens get 401 and no session', async () => {
    const upload = await live.createToken({ kind: 'upload', name: 'ci' });
    const revoked = await live.createToken({ kind: 'agent', name: 'old' });
    const { tokens } = await live.api('/api/tokens?kind=agent');
    await live.api(`/api/tokens/${tokens.find((t: { name: string }) => t.name === 'old').id}`, { method: 'DELETE' });
    const ingestKey = live.projects.shop!.ingest_key;
    for (const [what, headers] of [
      ['ingest key as bearer', { authorization: `Bearer ${ingestKey}` }],
      ['ingest key as X-API-Key', { 'x-api-key': ingestKey }],
      ['upload token', { authorization: `Bearer ${upload}` }],
      ['revoked agent token', { authorization: `Bearer ${revoked}` }],
      ['nothing', {}],
    ] as const) {
      const res = await initialize(headers);
      expect(res.status, what).toBe(401);
      expect(((await res.json()) as { code: string }).code, what).toBe('unauthorized');
    }
    await expect(connect(live.server.url, upload)).rejects.toThrow();
    await expect(connect(live.server.url, ingestKey)).rejects.toThrow();
  });

  it('a request whose Origin is not allowed gets 403, even with a good token; a configured one passes', async () => {
    for (const origin of ['http://evil.example', 'null', `${live.server.url}`]) {
      const res = await initialize({ authorization: `Bearer ${triageToken}`, origin });
      expect(res.status, origin).toBe(403);
      expect(((await res.json()) as { code: string }).code, origin).toBe('origin_not_allowed');
    }
    await expect(connect(live.server.url, triageToken, { origin: 'http://evil.example' })).rejects.toThrow();
    expect(live.server.stdout()).toContain('"mcp_origin_refused"');

    const allowed = await initialize({ authorization: `Bearer ${triageToken}`, origin: ALLOWED_ORIGIN });
    expect(allowed.status).toBe(200);
    expect(allowed.headers.get('access-control-allow-origin')).toBe(ALLOWED_ORIGIN);
    const client = await connect(live.server.url, triageToken, { origin: ALLOWED_ORIGIN });
    expect((await client.listTools()).tools).toHaveLength(8);
    await client.close();

    const preflight = await fetch(`${live.server.url}/mcp`, { method: 'OPTIONS', headers: { origin: ALLOWED_ORIGIN, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization, content-type' } });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-headers')).toContain('authorization');
    const badPreflight = await fetch(`${live.server.url}/mcp`, { method: 'OPTIONS', headers: { origin: 'http://evil.example', 'access-control-request-method': 'POST' } });
    expect(badPreflight.status).toBe(403);
    expect(badPreflight.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('GET and DELETE get 405: the server is stateless and keeps no stream or session', async () => {
    for (const method of ['GET', 'DELETE']) {
      const res = await fetch(`${live.server.url}/mcp`, { method, headers: { authorization: `Bearer ${triageToken}`, accept: 'text/event-stream' } });
      expect(res.status, method).toBe(405);
      expect(res.headers.get('allow')).toBe('POST');
    }
  });
});
