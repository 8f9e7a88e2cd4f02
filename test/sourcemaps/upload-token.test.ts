// An upload token's limits, route by route: it uploads and records releases for its projects and nothing else; ingest and agent keys cannot upload.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { auth, buildTestApp, postError, report, type TestApp } from '../helper.js';
import { assemble, postChunks, sampleBundle, sha1, uploadBundle } from './bundles.js';

let t: TestApp;
let token: string;
let tokenId: number;
let ingestKey: string;
let projectId: number;

const json = { 'content-type': 'application/json' };
const bearer = (value: string) => ({ authorization: `Bearer ${value}` });

beforeEach(async () => {
  t = await buildTestApp();
  const web = (await t.app.inject({ method: 'POST', url: '/api/projects', headers: auth, payload: { name: 'web' } })).json();
  ingestKey = web.ingest_key;
  projectId = web.id;
  await t.app.inject({ method: 'POST', url: '/api/projects', headers: auth, payload: { name: 'admin' } });
  const created = (await t.app.inject({ method: 'POST', url: '/api/tokens', headers: auth, payload: { kind: 'upload', name: 'ci', projects: ['web'] } })).json();
  token = created.token;
  tokenId = created.id;
  // A group and a release on the other project, for the token to fail to reach.
  await postError(t.app, report({ project: 'admin' }));
  await t.app.inject({ method: 'POST', url: '/api/0/organizations/o/releases/', headers: { ...auth, ...json }, payload: { version: 'admin-1', projects: ['admin'] } });
});
afterEach(() => t.close());

describe('an upload token', () => {
  it('uploads a bundle and records a release for its own project', async () => {
    expect((await uploadBundle(t.app, bearer(token), sampleBundle(), ['web'])).json().state).toBe('ok');
    const release = await t.app.inject({ method: 'POST', url: '/api/0/organizations/o/releases/', headers: { ...bearer(token), ...json }, payload: { version: 'web-1', projects: ['web'] } });
    expect(release.statusCode).toBe(201);
    expect(release.json()).toMatchObject({ version: 'web-1', projects: [{ slug: 'web' }] });
  });

  it('cannot read errors or projects, nor call operator routes', async () => {
    for (const [method, url] of [
      ['GET', '/api/errors'],
      ['GET', '/api/errors/1'],
      ['POST', '/api/errors/1/resolve'],
      ['GET', '/api/projects'],
      ['GET', '/api/tokens'],
    ] as const) {
      const res = await t.app.inject({ method, url, headers: bearer(token) });
      expect(res.statusCode, `${method} ${url}`).toBe(403);
      expect(res.json().code).toBe('forbidden');
    }
  });

  it('cannot ingest: not on /api/errors, nor as a Sentry key on /store/ or /envelope/', async () => {
    expect((await postError(t.app, report({ project: 'web' }), bearer(token))).statusCode).toBe(403);
    expect((await t.app.inject({ method: 'POST', url: `/api/errors?key=${token}`, headers: json, payload: report({ project: 'web' }) })).statusCode).toBe(401);
    const event = JSON.stringify({ exception: { values: [{ type: 'Error', value: 'x' }] } });
    const store = await t.app.inject({ method: 'POST', url: `/api/${projectId}/store/?sentry_key=${token}`, headers: json, payload: event });
    expect(store.statusCode).toBe(401);
    const envelope = await t.app.inject({
      method: 'POST',
      url: `/api/${projectId}/envelope/`,
      headers: { 'x-sentry-auth': `Sentry sentry_key=${token}, sentry_version=7` },
      payload: `{}\n{"type":"event"}\n${event}\n`,
    });
    expect(envelope.statusCode).toBe(401);
    const groups = (await t.app.inject({ method: 'GET', url: '/api/errors?project=web', headers: auth })).json();
    expect(groups.total).toBe(0);
  });

  it("cannot touch another project's uploads or releases", async () => {
    const upload = await assemble(t.app, bearer(token), { checksum: sha1('x'), chunks: [sha1('x')], projects: ['admin'] });
    expect(upload.statusCode).toBe(403);
    expect(upload.json().code).toBe('forbidden');
    const byId = await assemble(t.app, bearer(token), { checksum: sha1('x'), chunks: [sha1('x')], projects: [projectId + 1] });
    expect(byId.statusCode).toBe(403);
    const create = await t.app.inject({ method: 'POST', url: '/api/0/organizations/o/releases/', headers: { ...bearer(token), ...json }, payload: { version: 'x', projects: ['admin'] } });
    expect(create.statusCode).toBe(403);
    // Another project's release is not found for it, so it cannot be read, finalized or deployed.
    const v = '/api/0/organizations/o/releases/admin-1/';
    expect((await t.app.inject({ method: 'GET', url: v, headers: bearer(token) })).statusCode).toBe(404);
    expect((await t.app.inject({ method: 'PUT', url: v, headers: { ...bearer(token), ...json }, payload: { dateReleased: '2026-03-01T12:00:00Z' } })).statusCode).toBe(404);
    expect((await t.app.inject({ method: 'PUT', url: v, headers: { ...bearer(token), ...json }, payload: { projects: ['admin'], dateReleased: '2026-03-01T12:00:00Z' } })).statusCode).toBe(403);
    expect((await t.app.inject({ method: 'POST', url: `${v}deploys/`, headers: { ...bearer(token), ...json }, payload: { environment: 'prod' } })).statusCode).toBe(404);
    expect((await t.app.inject({ method: 'POST', url: `${v}deploys/`, headers: { ...bearer(token), ...json }, payload: { environment: 'prod', projects: ['admin'] } })).statusCode).toBe(403);
    const info = await t.app.inject({ method: 'GET', url: v, headers: auth });
    expect(info.json()).toMatchObject({ version: 'admin-1', dateReleased: null });
    expect((await t.app.inject({ method: 'GET', url: `${v}deploys/`, headers: auth })).json()).toEqual([]);
  });

  it('stops working once revoked', async () => {
    await t.app.inject({ method: 'DELETE', url: `/api/tokens/${tokenId}`, headers: auth });
    const res = await t.app.inject({ method: 'GET', url: '/api/0/organizations/o/chunk-upload/', headers: bearer(token) });
    expect(res.statusCode).toBe(401);
  });
});

describe('other keys on the upload routes', () => {
  it('an ingest key cannot upload (bearer or X-API-Key), nor an agent token', async () => {
    const agent = (await t.app.inject({ method: 'POST', url: '/api/tokens', headers: auth, payload: { kind: 'agent', name: 'mcp' } })).json().token as string;
    // Each from its own address: past ten failures an address is locked out (429), which is not what is tested here.
    const keys: Array<Record<string, string>> = [bearer(ingestKey), { 'x-api-key': ingestKey }, bearer(agent), {}];
    for (const [i, headers] of keys.entries()) {
      const remoteAddress = `10.0.0.${i + 1}`;
      const options = await t.app.inject({ method: 'GET', url: '/api/0/organizations/o/chunk-upload/', headers, remoteAddress });
      expect(options.statusCode).toBe(401);
      const form = await postChunks(t.app, headers, [{ name: sha1('chunk'), data: Buffer.from('chunk') }]);
      expect(form.statusCode).toBe(401);
      const release = await t.app.inject({ method: 'POST', url: '/api/0/organizations/o/releases/', headers: { ...headers, ...json }, payload: { version: 'v', projects: ['web'] }, remoteAddress });
      expect(release.statusCode).toBe(401);
      const put = await t.app.inject({ method: 'PUT', url: '/api/0/organizations/o/releases/admin-1/', headers: { ...headers, ...json }, payload: {}, remoteAddress });
      expect(put.statusCode).toBe(401);
    }
    expect((await assemble(t.app, bearer(ingestKey), { checksum: sha1('x'), chunks: [sha1('x')], projects: ['web'] })).statusCode).toBe(401);
    const usage = (await t.app.inject({ method: 'GET', url: '/api/projects', headers: auth })).json().details as Array<{ sourcemaps: { bundles: number } }>;
    expect(usage.every((p) => p.sourcemaps.bundles === 0)).toBe(true);
  });

  it('the operator key works as X-API-Key and as a bearer token', async () => {
    expect((await uploadBundle(t.app, auth, sampleBundle(), ['admin'])).json().state).toBe('ok');
    const res = await t.app.inject({ method: 'GET', url: '/api/0/', headers: bearer('test-operator-key-0123456789abcdef') });
    expect(res.statusCode).toBe(200);
  });
});
