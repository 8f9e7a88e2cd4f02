// The read API through app.inject: list and filters, details, resolve/reopen, projects, health.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { auth, buildTestApp, postError, report, type TestApp } from '../helper.js';

let t: TestApp;
beforeEach(async () => {
  t = await buildTestApp();
});
afterEach(async () => {
  await t.close();
});

const get = (url: string) => t.app.inject({ method: 'GET', url, headers: auth });

/** Seeds groups one minute apart, so newest-first order is the reverse of this list. */
async function seed(groups: Record<string, unknown>[]): Promise<number[]> {
  const ids: number[] = [];
  for (const [i, g] of groups.entries()) {
    t.clock.now = new Date(Date.UTC(2026, 2, 1, 12, i));
    const res = await postError(t.app, report({ traceback: `File "/srv/app/m${i}.py", line ${i + 1}, in f\n`, ...g }));
    expect(res.statusCode).toBe(201);
    ids.push(res.json().id);
  }
  return ids;
}

describe('GET /api/errors', () => {
  it('lists groups newest first with the fields of the spec', async () => {
    const ids = await seed([{ project: 'shop' }, { project: 'blog', source: 'browser' }]);
    const res = await get('/api/errors');
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body).toMatchObject({ total: 2, limit: 50, offset: 0 });
    expect(body.errors.map((e: { id: number }) => e.id)).toEqual([ids[1], ids[0]]);
    expect(Object.keys(body.errors[0]).sort()).toEqual(
      ['count', 'environment', 'exception_type', 'file', 'fingerprint', 'first_seen', 'function', 'id', 'last_seen', 'line', 'message', 'message_truncated', 'project', 'release', 'resolved', 'resolved_at', 'source', 'trend',
        // issue 18: triage
        'first_release', 'users', 'status', 'resolved_in', 'ignore'].sort(),
    );
    expect(body.errors[1]).toMatchObject({ project: 'shop', exception_type: 'ValueError', count: 1, resolved: false, source: 'server', file: '/srv/app/m0.py', line: 1, function: 'f' });
  });

  it('moves a group to the top when it happens again', async () => {
    const ids = await seed([{}, {}]);
    t.clock.now = new Date('2026-03-01T13:00:00Z');
    await postError(t.app, report({ traceback: 'File "/srv/app/m0.py", line 1, in f\n' }));
    expect((await get('/api/errors')).json().errors.map((e: { id: number }) => e.id)).toEqual([ids[0], ids[1]]);
  });

  it('filters by project, status, source and search, alone and together', async () => {
    const ids = await seed([
      { project: 'shop', exception_type: 'KeyError', message: 'sku missing' },
      { project: 'shop', exception_type: 'TypeError', message: 'undefined is not a function', source: 'browser' },
      { project: 'blog', exception_type: 'ValueError', message: 'bad slug' },
      { project: 'blog', exception_type: 'TimeoutError', message: 'upstream took 30% longer_than_allowed' },
    ]);
    await t.app.inject({ method: 'POST', url: `/api/errors/${ids[2]}/resolve`, headers: auth });
    const idsOf = async (q: string) => (await get(`/api/errors?${q}`)).json().errors.map((e: { id: number }) => e.id);

    expect(await idsOf('project=shop')).toEqual([ids[1], ids[0]]);
    expect(await idsOf('resolved=true')).toEqual([ids[2]]);
    expect(await idsOf('resolved=false')).toEqual([ids[3], ids[1], ids[0]]);
    expect(await idsOf('source=browser')).toEqual([ids[1]]);
    expect(await idsOf('source=server&project=blog')).toEqual([ids[3], ids[2]]);
    expect(await idsOf('search=keyerror')).toEqual([ids[0]]);
    expect(await idsOf('search=SLUG')).toEqual([ids[2]]);
    expect(await idsOf('search=function&project=shop&resolved=false')).toEqual([ids[1]]);
    expect(await idsOf('project=nope')).toEqual([]);
    expect(await idsOf('search=')).toHaveLength(4);
  });

  it('treats LIKE metacharacters in search as text', async () => {
    const ids = await seed([{ message: '100% done' }, { message: 'a_b' }, { message: 'a\\b' }, { message: 'plain' }]);
    const idsOf = async (q: string) => (await get(`/api/errors?search=${encodeURIComponent(q)}`)).json().errors.map((e: { id: number }) => e.id);
    expect(await idsOf('%')).toEqual([ids[0]]);
    expect(await idsOf('_')).toEqual([ids[1]]);
    expect(await idsOf('\\')).toEqual([ids[2]]);
    expect(await idsOf("'")).toEqual([]);
  });

  it('pages with limit and offset and reports the total', async () => {
    const ids = await seed(Array.from({ length: 7 }, () => ({})));
    const page = (await get('/api/errors?limit=3&offset=3')).json();
    expect(page).toMatchObject({ total: 7, limit: 3, offset: 3 });
    expect(page.errors.map((e: { id: number }) => e.id)).toEqual([ids[3], ids[2], ids[1]]);
    expect((await get('/api/errors?limit=3&offset=6')).json().errors).toHaveLength(1);
    expect((await get('/api/errors?limit=200')).json().errors).toHaveLength(7);
  });

  it.each(['limit=-1', 'limit=abc', 'limit=0', 'limit=201', 'limit=1.5', 'offset=-3', 'resolved=maybe', 'source=mobile', 'limit=1&limit=2'])(
    'rejects %s with 400',
    async (q) => {
      const res = await get(`/api/errors?${q}`);
      expect(res.statusCode).toBe(400);
      expect(res.json()).toMatchObject({ code: 'validation_failed', details: [expect.objectContaining({ path: expect.any(String) })] });
    },
  );
});

describe('GET /api/errors/:id', () => {
  it('returns the group with traceback, parsed frames innermost first, and occurrences newest first', async () => {
    const traceback = 'Error: out of stock\n    at reserve (/srv/app/stock.js:10:11)\n    at checkout (/srv/app/cart.js:20:5)\n';
    const { id } = (await postError(t.app, report({ exception_type: 'Error', message: 'first', traceback }))).json();
    await postError(t.app, report({ exception_type: 'Error', message: 'second', traceback }));
    const body = (await get(`/api/errors/${id}`)).json();
    expect(body.error).toMatchObject({ id, traceback, count: 2, message: 'second', file: '/srv/app/stock.js', line: 10 });
    expect(body.error.frames.map((f: { file: string; line: number }) => `${f.file}:${f.line}`)).toEqual(['/srv/app/stock.js:10', '/srv/app/cart.js:20']);
    expect(body.error.frames[0]).toMatchObject({ function: 'reserve', in_app: true, column: 11 });
    expect(body.occurrences.map((o: { message: string }) => o.message)).toEqual(['second', 'first']);
  });

  it('404 for an unknown id, 400 for one that is not a number', async () => {
    expect((await get('/api/errors/424242')).statusCode).toBe(404);
    expect((await get('/api/errors/424242')).json()).toMatchObject({ code: 'not_found' });
    expect((await get('/api/errors/abc')).statusCode).toBe(400);
    expect((await get('/api/errors/0')).statusCode).toBe(400);
    expect((await get('/api/errors/99999999999999999999')).statusCode).toBe(400);
  });
});

describe('resolve and reopen', () => {
  it('resolves and reopens by hand; unknown ids are 404', async () => {
    const [id] = await seed([{}]);
    const post = (url: string) => t.app.inject({ method: 'POST', url, headers: auth });
    expect((await post(`/api/errors/${id}/resolve`)).json()).toEqual({ status: 'resolved' });
    expect((await get(`/api/errors/${id}`)).json().error.resolved).toBe(true);
    expect((await post(`/api/errors/${id}/unresolve`)).json()).toEqual({ status: 'unresolved' });
    expect((await get(`/api/errors/${id}`)).json().error).toMatchObject({ resolved: false, resolved_at: null });
    expect((await post('/api/errors/777/resolve')).statusCode).toBe(404);
    expect((await post('/api/errors/777/unresolve')).statusCode).toBe(404);
  });

  it('accepts the empty JSON body curl sends with -H "Content-Type: application/json"', async () => {
    const [id] = await seed([{}]);
    const res = await t.app.inject({ method: 'POST', url: `/api/errors/${id}/resolve`, headers: { ...auth, 'content-type': 'application/json' }, payload: '' });
    expect(res.statusCode).toBe(200);
  });

  it('requires the key', async () => {
    const [id] = await seed([{}]);
    const res = await t.app.inject({ method: 'POST', url: `/api/errors/${id}/resolve` });
    expect(res.statusCode).toBe(401);
    expect((await get(`/api/errors/${id}`)).json().error.resolved).toBe(false);
  });
});

describe('projects, health and unknown routes', () => {
  it('lists the projects that reported, by name', async () => {
    await seed([{ project: 'shop' }, { project: 'blog' }, { project: 'shop' }]);
    expect((await get('/api/projects')).json()).toMatchObject({ projects: ['blog', 'shop'] });
  });

  it('gives every project an ingest key of 32 hex characters', async () => {
    await seed([{ project: 'shop' }]);
    const row = t.db.prepare('SELECT ingest_key FROM projects WHERE name = ?').get('shop') as { ingest_key: string };
    expect(row.ingest_key).toMatch(/^[0-9a-f]{32}$/);
  });

  it('/health needs no key', async () => {
    const res = await t.app.inject({ url: '/health' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ status: 'ok' });
  });

  it('every read route needs the key', async () => {
    for (const url of ['/api/errors', '/api/errors/1', '/api/projects']) {
      const res = await t.app.inject({ url });
      expect(res.statusCode, url).toBe(401);
    }
  });

  it('an unknown route is a JSON 404', async () => {
    const res = await t.app.inject({ url: '/api/nothing-here', headers: auth });
    expect(res.statusCode).toBe(404);
    expect(res.json()).toMatchObject({ code: 'route_not_found' });
  });
});
