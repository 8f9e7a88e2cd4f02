// Projects and their ingest keys: create, read with DSN, rotate; what an ingest key may and may not do; CORS.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { auth, buildTestApp, postError, report, type TestApp } from '../helper.js';

let t: TestApp;
beforeEach(async () => {
  t = await buildTestApp();
});
afterEach(async () => {
  await t.close();
});

const createProject = async (app: TestApp['app'], name: string) => (await app.inject({ method: 'POST', url: '/api/projects', headers: auth, payload: { name } })).json();

describe('projects', () => {
  it('POST /api/projects: 201 with id, ingest key and DSN; 409 for a name that exists; 400 without a name', async () => {
    const res = await t.app.inject({ method: 'POST', url: '/api/projects', headers: { ...auth, host: 'errors.internal:5010' }, payload: { name: 'shop' } });
    expect(res.statusCode).toBe(201);
    const p = res.json();
    expect(p).toMatchObject({ name: 'shop', id: expect.any(Number), ingest_key: expect.stringMatching(/^[0-9a-f]{32}$/), groups: 0, unresolved: 0, events: 0 });
    expect(p.dsn).toBe(`http://${p.ingest_key}@errors.internal:5010/${p.id}`);
    expect((await t.app.inject({ method: 'POST', url: '/api/projects', headers: auth, payload: { name: 'shop' } })).statusCode).toBe(409);
    expect((await t.app.inject({ method: 'POST', url: '/api/projects', headers: auth, payload: {} })).statusCode).toBe(400);
    expect((await t.app.inject({ url: '/api/projects', headers: auth })).json()).toMatchObject({ projects: ['shop'] });
  });

  it('GET /api/projects/:name: counts, and the DSN from PUBLIC_URL when set', async () => {
    await postError(t.app, report());
    await postError(t.app, report());
    await postError(t.app, report({ exception_type: 'KeyError' }));
    const p = (await t.app.inject({ url: '/api/projects/shop', headers: auth })).json();
    expect(p).toMatchObject({ name: 'shop', groups: 2, unresolved: 2, events: 3 });
    expect(p.dsn).toBe(`http://${p.ingest_key}@localhost/${p.id}`); // inject sends Host: localhost:80; the default port is dropped
    expect(p.dsn).toMatch(/^http:\/\/[0-9a-f]{32}@localhost\/\d+$/);
    expect((await t.app.inject({ url: '/api/projects/nope', headers: auth })).statusCode).toBe(404);

    const pub = await buildTestApp({ PUBLIC_URL: 'https://errors.example.com/' });
    try {
      const q = await createProject(pub.app, 'blog');
      expect(q.dsn).toBe(`https://${q.ingest_key}@errors.example.com/${q.id}`);
    } finally {
      await pub.close();
    }
  });

  it('rotating the key returns the new one; the old one stops working at once', async () => {
    const p = await createProject(t.app, 'shop');
    const ingest = (key: string) => postError(t.app, report(), { 'x-api-key': key });
    expect((await ingest(p.ingest_key)).statusCode).toBe(201); // now cached
    const rotated = await t.app.inject({ method: 'POST', url: '/api/projects/shop/rotate-key', headers: auth });
    expect(rotated.statusCode).toBe(200);
    const q = rotated.json();
    expect(q).toMatchObject({ name: 'shop', id: p.id, events: 1 });
    expect(q.ingest_key).toMatch(/^[0-9a-f]{32}$/);
    expect(q.ingest_key).not.toBe(p.ingest_key);
    expect((await ingest(p.ingest_key)).statusCode).toBe(401);
    const sentry = await t.app.inject({ method: 'POST', url: `/api/${p.id}/store/?sentry_key=${p.ingest_key}`, payload: '{"message":"x"}' });
    expect(sentry.statusCode).toBe(401);
    expect((await ingest(q.ingest_key)).statusCode).toBe(200);
    expect((await t.app.inject({ method: 'POST', url: '/api/projects/nope/rotate-key', headers: auth })).statusCode).toBe(404);
  });

  it('a project created by its first report has a key too', async () => {
    await postError(t.app, report({ project: 'fresh' }));
    const p = (await t.app.inject({ url: '/api/projects/fresh', headers: auth })).json();
    expect((await postError(t.app, report({ project: 'fresh' }), { 'x-api-key': p.ingest_key })).statusCode).toBe(200);
  });
});

describe('the projects list', () => {
  it('one reply with what the Projects page shows of each project, in natural order', async () => {
    for (const name of ['svc-10', 'svc-2', 'svc-1', 'api']) await createProject(t.app, name);
    await postError(t.app, report({ project: 'svc-2' }));
    const second = (await postError(t.app, report({ project: 'svc-2', exception_type: 'KeyError' }))).json();
    await t.app.inject({ method: 'POST', url: `/api/errors/${second.id}/resolve`, headers: auth });
    const body = (await t.app.inject({ url: '/api/projects', headers: auth })).json();
    expect(body.projects).toEqual(['api', 'svc-1', 'svc-2', 'svc-10']);
    expect(body.details.map((p: { name: string }) => p.name)).toEqual(body.projects);
    const svc2 = body.details[2];
    const single = (await t.app.inject({ url: '/api/projects/svc-2', headers: auth })).json();
    expect(svc2).toMatchObject({ name: 'svc-2', groups: 2, unresolved: 1, ingest_key: single.ingest_key, dsn: single.dsn, quota: single.quota, dropped: single.dropped });
    expect(svc2.quota).toEqual({ events_per_minute: 6000, events_per_hour: 120000, overrides: { events_per_minute: null, events_per_hour: null } });
    expect(svc2.dropped).toEqual({ last_hour: 0, last_24_hours: 0, total: 0, hours: [] });
    expect(body.details[0]).toMatchObject({ name: 'api', groups: 0, unresolved: 0 });
  });
});

describe('what an ingest key may do', () => {
  let shop: { id: number; ingest_key: string };
  let blog: { id: number; ingest_key: string };
  let blogErrorId: number;
  beforeEach(async () => {
    shop = await createProject(t.app, 'shop');
    blog = await createProject(t.app, 'blog');
    blogErrorId = (await postError(t.app, report({ project: 'blog' }))).json().id;
  });

  it('submits errors for its own project, by header or ?key=', async () => {
    expect((await postError(t.app, report(), { 'x-api-key': shop.ingest_key })).statusCode).toBe(201);
    const viaQuery = await t.app.inject({ method: 'POST', url: `/api/errors?key=${shop.ingest_key}`, headers: { 'content-type': 'application/json' }, payload: JSON.stringify(report()) });
    expect(viaQuery.statusCode).toBe(200);
    expect(t.logs()).not.toContain(shop.ingest_key);
  });

  it('gets 403 for a report naming another project, and nothing is stored', async () => {
    const res = await postError(t.app, report({ project: 'blog' }), { 'x-api-key': shop.ingest_key });
    expect(res.statusCode).toBe(403);
    expect(res.json().code).toBe('wrong_project');
    const blogGroup = (await t.app.inject({ url: `/api/errors/${blogErrorId}`, headers: auth })).json();
    expect(blogGroup.error.count).toBe(1);
  });

  it.each([
    ['GET', '/api/errors'],
    ['GET', '/api/errors?project=shop'],
    ['GET', '/api/errors/BLOG'],
    ['POST', '/api/errors/BLOG/resolve'],
    ['POST', '/api/errors/BLOG/unresolve'],
    ['GET', '/api/projects'],
    ['GET', '/api/projects/shop'],
    ['GET', '/api/projects/blog'],
    ['POST', '/api/projects'],
    ['POST', '/api/projects/shop/rotate-key'],
    ['POST', '/api/projects/blog/rotate-key'],
  ])('cannot %s %s (403), by header or ?key=', async (method, path) => {
    const url = path.replace('BLOG', String(blogErrorId));
    const byHeader = await t.app.inject({ method: method as 'GET' | 'POST', url, headers: { 'x-api-key': shop.ingest_key, 'content-type': 'application/json' }, payload: method === 'POST' ? '{"name":"x"}' : undefined });
    expect(byHeader.statusCode).toBe(403);
    expect(byHeader.json().code).toBe('forbidden');
    const byQuery = await t.app.inject({ method: method as 'GET' | 'POST', url: `${url}${url.includes('?') ? '&' : '?'}key=${shop.ingest_key}` });
    expect(byQuery.statusCode).toBe(401);
    const group = (await t.app.inject({ url: `/api/errors/${blogErrorId}`, headers: auth })).json();
    expect(group.error.resolved).toBe(false);
    expect((await t.app.inject({ url: '/api/projects/blog', headers: auth })).json().ingest_key).toBe(blog.ingest_key);
  });

  it('cannot use the Sentry endpoints of another project', async () => {
    const res = await t.app.inject({ method: 'POST', url: `/api/${blog.id}/envelope/?sentry_key=${shop.ingest_key}`, payload: '{}\n{"type":"event"}\n{"message":"x"}' });
    expect(res.statusCode).toBe(403);
  });

  it('the operator key is never taken from ?key=', async () => {
    const res = await t.app.inject({ method: 'POST', url: `/api/errors?key=${auth['x-api-key']}`, headers: { 'content-type': 'application/json' }, payload: JSON.stringify(report()) });
    expect(res.statusCode).toBe(401);
  });
});

describe('POST /api/errors from web pages', () => {
  it('accepts JSON sent as text/plain (sendBeacon); other types get 415', async () => {
    const plain = await t.app.inject({ method: 'POST', url: '/api/errors', headers: { ...auth, 'content-type': 'text/plain;charset=UTF-8' }, payload: JSON.stringify(report()) });
    expect(plain.statusCode).toBe(201);
    const form = await t.app.inject({ method: 'POST', url: '/api/errors', headers: { ...auth, 'content-type': 'application/x-www-form-urlencoded' }, payload: 'a=b' });
    expect(form.statusCode).toBe(415);
    const bad = await t.app.inject({ method: 'POST', url: '/api/errors', headers: { ...auth, 'content-type': 'text/plain' }, payload: 'not json' });
    expect(bad.statusCode).toBe(400);
  });

  it('sends CORS headers only to ingest-key callers, on success and error', async () => {
    const shop = await createProject(t.app, 'shop');
    const origin = { origin: 'https://shop.example.com', 'content-type': 'text/plain' };
    const ok = await t.app.inject({ method: 'POST', url: `/api/errors?key=${shop.ingest_key}`, headers: origin, payload: JSON.stringify(report()) });
    expect(ok.statusCode).toBe(201);
    expect(ok.headers['access-control-allow-origin']).toBe('*');
    const invalid = await t.app.inject({ method: 'POST', url: `/api/errors?key=${shop.ingest_key}`, headers: origin, payload: '{"project":"shop"}' });
    expect(invalid.statusCode).toBe(400);
    expect(invalid.headers['access-control-allow-origin']).toBe('*');
    const operator = await t.app.inject({ method: 'POST', url: '/api/errors', headers: { ...origin, ...auth }, payload: JSON.stringify(report()) });
    expect(operator.statusCode).toBe(200);
    expect(operator.headers['access-control-allow-origin']).toBeUndefined();
    const read = await t.app.inject({ url: '/api/errors', headers: { ...auth, origin: origin.origin } });
    expect(read.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('CORS_ORIGINS limits which pages may report with an ingest key', async () => {
    const strict = await buildTestApp({ CORS_ORIGINS: 'https://shop.example.com' });
    try {
      const shop = await createProject(strict.app, 'shop');
      const send = (origin: string) => strict.app.inject({ method: 'POST', url: `/api/errors?key=${shop.ingest_key}`, headers: { origin, 'content-type': 'text/plain' }, payload: JSON.stringify(report()) });
      const allowed = await send('https://shop.example.com');
      expect(allowed.statusCode).toBe(201);
      expect(allowed.headers['access-control-allow-origin']).toBe('https://shop.example.com');
      expect(allowed.headers.vary).toContain('Origin');
      const other = await send('https://evil.example');
      expect(other.statusCode).toBe(403);
      expect(other.headers['access-control-allow-origin']).toBeUndefined();
      const pre = await strict.app.inject({ method: 'OPTIONS', url: '/api/errors', headers: { origin: 'https://shop.example.com', 'access-control-request-method': 'POST' } });
      expect(pre.statusCode).toBe(204);
      expect(pre.headers['access-control-allow-origin']).toBe('https://shop.example.com');
    } finally {
      await strict.close();
    }
  });
});
