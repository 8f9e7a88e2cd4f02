// The MCP server through the SDK's own client over HTTP against a live service: every tool, checked against the API's data.
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/store/sqlite/open-database.js';
import { createSqliteReleaseStore } from '../../src/store/sqlite/releases.js';
import { connect, OPERATOR, richEvent, startLive, type Live } from './live.js';

let live: Live;
let triage: Client;
let shopId: number;
let blogId: number;
let triageToken: string;

type Result = { content: Array<{ type: string; text: string }>; structuredContent?: Record<string, any>; isError?: boolean };
const call = async (client: Client, name: string, args: Record<string, unknown> = {}) => (await client.callTool({ name, arguments: args })) as Result;

beforeAll(async () => {
  live = await startLive();
  shopId = await live.sentryEvent('shop', richEvent());
  await live.sentryEvent('shop', richEvent({ user: { id: 'u-18' }, release: 'shop@1.4.3' }));
  const blog = await live.api('/api/errors', { method: 'POST', body: JSON.stringify({ project: 'blog', exception_type: 'TemplateError', message: 'missing block', traceback: 'Traceback (most recent call last):\n  File "/srv/blog/render.py", line 9, in render\nTemplateError: missing block\n' }) });
  blogId = blog.id;
  // Releases as the release API (issue 17) records them, written through the store the service itself uses.
  const db = openDatabase(live.dbPath);
  const releases = createSqliteReleaseStore(db);
  await releases.recordRelease({ project: 'shop', version: 'shop@1.4.2', createdBy: 'api', createdAt: '2026-01-01T00:00:00.000Z' });
  await releases.addDeploy({ project: 'shop', version: 'shop@1.4.2', environment: 'production', name: null, url: null, startedAt: null, finishedAt: '2026-01-01T01:00:00.000Z' });
  await releases.recordRelease({ project: 'shop', version: 'shop@1.4.3', createdBy: 'api', createdAt: '2026-01-02T00:00:00.000Z' });
  db.close();
  triageToken = await live.createToken({ kind: 'agent', name: 'fixer-bot', scopes: ['read', 'triage'] });
  triage = await connect(live.server.url, triageToken);
});
afterAll(async () => {
  await triage?.close();
  await live?.stop();
});

describe('/mcp with the SDK client', () => {
  it('lists every tool with a JSON schema, and speaks the current protocol revision', async () => {
    const { tools } = await triage.listTools();
    expect(tools.map((t) => t.name).sort()).toEqual(['get_error', 'get_occurrences', 'ignore_error', 'list_errors', 'list_projects', 'list_releases', 'reopen_error', 'resolve_error']);
    for (const t of tools) {
      expect(t.inputSchema.type, t.name).toBe('object');
      expect(t.description, t.name).toBeTruthy();
    }
    const listErrors = tools.find((t) => t.name === 'list_errors')!;
    expect(Object.keys(listErrors.inputSchema.properties ?? {}).sort()).toEqual(['environment', 'limit', 'project', 'release', 'search', 'sort', 'status', 'tag']);
    const res = await fetch(`${live.server.url}/mcp`, {
      method: 'POST',
      headers: { authorization: `Bearer ${triageToken}`, 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'raw', version: '1' } } }),
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('application/json');
    expect(((await res.json()) as { result: { protocolVersion: string } }).result.protocolVersion).toBe('2025-11-25');
  });

  it('list_projects and list_errors match the API', async () => {
    const projects = await call(triage, 'list_projects');
    const apiProjects = (await live.api('/api/projects')).details;
    expect(projects.structuredContent!.projects.map((p: { name: string }) => p.name).sort()).toEqual(apiProjects.map((p: { name: string }) => p.name).sort());
    expect(JSON.stringify(projects)).not.toContain(live.projects.shop!.ingest_key);

    const list = await call(triage, 'list_errors', { project: 'shop' });
    const apiList = await live.api('/api/errors?project=shop&resolved=false');
    expect(list.structuredContent!.total).toBe(apiList.total);
    expect(list.structuredContent!.errors.map((e: { id: number; count: number }) => [e.id, e.count])).toEqual(apiList.errors.map((e: { id: number; count: number }) => [e.id, e.count]));
    expect(list.content[0]!.text).toContain(`#${shopId} [unresolved] CheckoutError: cart could not be priced`);

    const all = await call(triage, 'list_errors', { status: 'all' });
    expect(all.structuredContent!.errors.map((e: { id: number }) => e.id).sort()).toEqual([shopId, blogId].sort());
    const searched = await call(triage, 'list_errors', { search: 'missing block', status: 'all' });
    expect(searched.structuredContent!.errors.map((e: { id: number }) => e.id)).toEqual([blogId]);
    const byRelease = await call(triage, 'list_errors', { release: 'shop@1.4.3', status: 'all' });
    expect(byRelease.structuredContent!.errors.map((e: { id: number }) => e.id)).toEqual([shopId]);
    const byTag = await call(triage, 'list_errors', { tag: ['region:eu-west'], environment: 'production', status: 'all' });
    expect(byTag.structuredContent!.errors.map((e: { id: number }) => e.id)).toEqual([shopId]);
    const noMatch = await call(triage, 'list_errors', { tag: ['region:us-east'], status: 'all' });
    expect(noMatch.structuredContent!.total).toBe(0);
    const tooMany = await call(triage, 'list_errors', { limit: 500 });
    expect(tooMany.isError).toBe(true);
  });

  it('get_error: crash frame with source, chain, breadcrumbs, request, user, tags, contexts, users, trend, releases', async () => {
    const result = await call(triage, 'get_error', { id: shopId });
    const api = await live.api(`/api/errors/${shopId}`);
    const s = result.structuredContent!;
    expect(s.group).toMatchObject({ id: shopId, project: 'shop', exception_type: api.error.exception_type, count: api.error.count, status: 'unresolved', last_release: 'shop@1.4.3' });
    expect(s.group.users).toEqual(api.users_affected ?? api.error.users ?? api.users);
    expect(s.crash_frame).toMatchObject({ file: 'app/checkout.py', line: 57, function: 'price_cart' });
    expect(s.crash_frame.source).toEqual({ pre: ['def price_cart(cart):', '    total = 0'], line: '    raise CheckoutError("cart could not be priced")', post: ['', 'def pay(cart):'] });
    expect(s.exception_chain.map((e: { type: string }) => e.type)).toEqual(['KeyError', 'CheckoutError']);
    const latest = api.occurrences[0];
    expect(s.latest_occurrence.user).toEqual(latest.user);
    expect(s.latest_occurrence.tags).toEqual(latest.tags);
    expect(s.latest_occurrence.contexts).toEqual(latest.contexts);
    expect(s.latest_occurrence.request.url).toBe(latest.request.url);
    expect(s.latest_occurrence.breadcrumbs.map((b: { message: string }) => b.message)).toEqual(latest.breadcrumbs.map((b: { message: string }) => b.message));
    expect(s.trend_14d.counts).toHaveLength(14);
    expect(s.trend_14d.total).toBe(api.error.count);
    const text = result.content[0]!.text;
    for (const line of [
      'CheckoutError: cart could not be priced',
      '> 57      raise CheckoutError("cart could not be priced")',
      '- KeyError:',
      'SELECT * FROM carts',
      'POST https://shop.example.com/cart/checkout?step=2',
      `14-day trend (events per day`,
      `(total ${api.error.count})`,
    ]) {
      expect(text).toContain(line);
    }
    expect(text).toMatch(/\d+ users affected/);
  });

  it('get_occurrences gives the last occurrences as the API keeps them, newest first', async () => {
    const result = await call(triage, 'get_occurrences', { id: shopId });
    const api = await live.api(`/api/errors/${shopId}`);
    expect(result.structuredContent!.occurrences.map((o: { timestamp: string; release: string }) => [o.timestamp, o.release])).toEqual(
      api.occurrences.map((o: { timestamp: string; release: string }) => [o.timestamp, o.release]),
    );
    expect(result.structuredContent!.occurrences[0].exception).toBe('CheckoutError: cart could not be priced');
    expect(result.content[0]!.text).toContain(`The last ${api.occurrences.length} occurrences of #${shopId}`);
  });

  it("list_releases lists a project's releases, newest first, with deploys", async () => {
    const result = await call(triage, 'list_releases', { project: 'shop' });
    const versions = result.structuredContent!.releases.map((r: { version: string }) => r.version);
    expect(versions).toEqual(['shop@1.4.3', 'shop@1.4.2']);
    expect(result.content[0]!.text).toContain('- shop@1.4.2');
    expect(result.content[0]!.text).toContain('deployed to production');
    expect((await call(triage, 'list_releases', {})).isError).toBe(true);
  });

  it('resolve_error and reopen_error change the group as the API shows it', async () => {
    const resolved = await call(triage, 'resolve_error', { id: blogId });
    expect(resolved.isError).toBeFalsy();
    expect((await live.api(`/api/errors/${blogId}`)).error.resolved).toBe(true);
    expect(resolved.structuredContent).toMatchObject({ id: blogId, status: 'resolved', resolved: true });
    expect((await call(triage, 'list_errors', { status: 'resolved' })).structuredContent!.errors.map((e: { id: number }) => e.id)).toEqual([blogId]);
    const reopened = await call(triage, 'reopen_error', { id: blogId });
    expect(reopened.structuredContent).toMatchObject({ id: blogId, status: 'unresolved', resolved: false });
    expect((await live.api(`/api/errors/${blogId}`)).error.resolved).toBe(false);
    expect((await call(triage, 'resolve_error', { id: 999_999 })).content[0]!.text).toBe('Error 999999 not found');
  });

  it('logs every tool call as a security event with the token name, never its value', async () => {
    await call(triage, 'get_error', { id: shopId });
    const lines = live.server
      .stdout()
      .split('\n')
      .filter((l) => l.includes('"mcp_tool_call"'))
      .map((l) => JSON.parse(l));
    expect(lines.find((l) => l.tool === 'get_error' && l.id === shopId)).toMatchObject({ caller: 'fixer-bot', outcome: 'ok', token_id: expect.any(Number) });
    expect(lines.map((l) => l.tool)).toEqual(expect.arrayContaining(['list_projects', 'list_errors', 'get_occurrences', 'list_releases', 'resolve_error', 'reopen_error']));
    expect(live.server.stdout()).not.toContain(triageToken);
  });

  it('the operator key works as a bearer token and sees the triage tools', async () => {
    const operator = await connect(live.server.url, OPERATOR);
    expect((await operator.listTools()).tools).toHaveLength(8);
    expect((await call(operator, 'list_projects')).structuredContent!.projects).toHaveLength(2);
    await operator.close();
  });
});
