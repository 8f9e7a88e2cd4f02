// Triage through the API on both backends: release order and regressions, resolve in a release, ignore and its wake-ups, bulk actions, status and sort.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { auth, postError, report } from '../../helper.js';
import { buildAppOn, type BackendApp } from './app-backends.js';
import { BACKENDS } from './backends.js';

describe.each(BACKENDS)('triage on %s', (backend) => {
  let t: BackendApp;
  let heard: Array<{ id: number; created: boolean; regression: boolean; users?: number }>;
  beforeEach(async () => {
    heard = [];
    t = await buildAppOn(backend, (r) => heard.push({ id: r.id, created: r.created, regression: r.regression, users: r.users }));
  });
  afterEach(async () => {
    await t.close();
  });

  const post = (url: string, body?: unknown) =>
    t.app.inject({ method: 'POST', url, headers: { ...auth, 'content-type': 'application/json' }, payload: body === undefined ? '' : JSON.stringify(body) });
  const get = async (url: string) => (await t.app.inject({ url, headers: auth })).json();
  const group = async (id: number) => (await get(`/api/errors/${id}`)).error;
  /** Posts a report at the app's clock, which moves a minute each time so releases are told apart by time. */
  async function send(overrides: Record<string, unknown> = {}) {
    t.clock.now = new Date(t.clock.now.getTime() + 60_000);
    const res = await postError(t.app, report({ timestamp: t.clock.now.toISOString(), ...overrides }));
    expect(res.statusCode).toBeLessThan(300);
    return res.json().id as number;
  }
  const regressions = () => heard.filter((h) => h.regression).length;

  describe('releases of a group', () => {
    it('knows its first-seen and last-seen release, and records releases named by events', async () => {
      const id = await send({ release: 'api-7' });
      await send({ release: 'api-8' });
      const e = await group(id);
      expect(e.first_release).toBe('api-7');
      expect(e.release).toBe('api-8');
      const { releases } = await get('/api/releases?project=shop');
      expect(releases.map((r: { version: string }) => r.version)).toEqual(['api-8', 'api-7']);
      expect(releases[1]).toMatchObject({ created_by: 'event', new_groups: 1, events: 1, regressions: 0 });
      expect(releases[0]).toMatchObject({ new_groups: 0, events: 1 });
    });

    it('lists releases created through the release API by their creation time, with deploys, and filters the list by release', async () => {
      await send({ release: 'late-event' });
      // Created through the API with an earlier time: it sorts below the one first seen later.
      await t.releaseStore.recordRelease({ project: 'shop', version: 'built', createdBy: 'api', createdAt: '2026-01-01T00:00:00.000Z' });
      await t.releaseStore.addDeploy({ project: 'shop', version: 'built', environment: 'production', name: null, url: null, startedAt: null, finishedAt: '2026-01-02T00:00:00.000Z' });
      const other = await send({ release: 'built', exception_type: 'KeyError' });
      const { releases } = await get('/api/releases?project=shop');
      expect(releases.map((r: { version: string }) => r.version)).toEqual(['late-event', 'built']);
      expect(releases[1].deploys).toEqual([expect.objectContaining({ environment: 'production', finished_at: '2026-01-02T00:00:00.000Z' })]);
      const filtered = await get('/api/errors?release=built');
      expect(filtered.errors.map((e: { id: number }) => e.id)).toEqual([other]);
      expect(filtered.errors[0].first_release).toBe('built');
    });

    it('refuses a releases request without a project', async () => {
      const res = await t.app.inject({ url: '/api/releases', headers: auth });
      expect(res.statusCode).toBe(400);
      expect(res.json().code).toBe('validation_failed');
    });
  });

  describe('resolve in the next release', () => {
    it('stays resolved for the current and older releases, reopens as a regression for a newer one', async () => {
      const id = await send({ release: '1.0.0' });
      await send({ release: '1.1.0' });
      const res = await post(`/api/errors/${id}/resolve`, { in_release: 'next' });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toMatchObject({ status: 'resolved', resolved_in: '1.1.0' });

      await send({ release: '1.1.0' }); // the same release
      await send({ release: '1.0.0' }); // an older one
      await send({ release: '1.0.5' }); // first seen now, yet older by its version
      await send(); // no release: cannot be placed after 1.1.0
      expect((await group(id)).status).toBe('resolved');
      expect((await group(id)).resolved).toBe(true);
      expect(regressions()).toBe(0);

      await send({ release: '1.2.0' });
      const e = await group(id);
      expect(e.status).toBe('unresolved');
      expect(e.resolved_in).toBeNull();
      expect(regressions()).toBe(1);
      const { releases } = await get('/api/releases?project=shop');
      expect(releases.find((r: { version: string }) => r.version === '1.2.0').regressions).toBe(1);
    });

    it('orders releases that are not versions by when they were first seen', async () => {
      const id = await send({ release: 'green' });
      await send({ release: 'blue' });
      await post(`/api/errors/${id}/resolve`, { in_release: 'green' });
      await send({ release: 'green' });
      expect((await group(id)).status).toBe('resolved');
      await send({ release: 'blue' }); // first seen after green: newer
      expect((await group(id)).status).toBe('unresolved');
      expect(regressions()).toBe(1);
    });

    it('answers 409 when the project has no release and 404 for an unknown one, changing nothing', async () => {
      const id = await send();
      const none = await post(`/api/errors/${id}/resolve`, { in_release: 'next' });
      expect(none.statusCode).toBe(409);
      expect(none.json().code).toBe('no_release');
      await send({ release: 'r1' });
      const unknown = await post(`/api/errors/${id}/resolve`, { in_release: 'r9' });
      expect(unknown.statusCode).toBe(404);
      expect((await group(id)).status).toBe('unresolved');
      expect((await post(`/api/errors/${id}/resolve`, { in_release: '' })).statusCode).toBe(400);
    });

    it('keeps plain resolve as before: any occurrence reopens', async () => {
      const id = await send({ release: '2.0.0' });
      expect((await post(`/api/errors/${id}/resolve`)).json().status).toBe('resolved');
      await send({ release: '1.0.0' });
      expect((await group(id)).status).toBe('unresolved');
      expect(regressions()).toBe(1);
    });
  });

  describe('ignore', () => {
    const alerted = (id: number) => heard.filter((h) => h.id === id && (h.created || h.regression));

    it('ignored forever: hidden from the default list, no alert, shown by status=ignored', async () => {
      const id = await send();
      const res = await post(`/api/errors/${id}/ignore`);
      expect(res.json()).toMatchObject({ status: 'ignored', ignore: { until: null, until_count: null, until_users: null } });
      for (let i = 0; i < 5; i++) await send();
      expect(alerted(id)).toHaveLength(1); // the creation only
      expect((await get('/api/errors')).errors).toHaveLength(0);
      expect((await get('/api/errors')).total).toBe(0);
      const ignored = await get('/api/errors?status=ignored');
      expect(ignored.errors.map((e: { id: number; status: string; resolved: boolean }) => [e.id, e.status, e.resolved])).toEqual([[id, 'ignored', false]]);
      expect((await get('/api/errors?status=all')).total).toBe(1);
      expect((await get('/api/errors?status=unresolved')).total).toBe(0);
      // Not counted as unresolved in the projects list either.
      expect((await get('/api/projects')).details.find((d: { name: string }) => d.name === 'shop')).toMatchObject({ groups: 1, unresolved: 0 });
    });

    it('until_count: wakes on the Nth occurrence after, once', async () => {
      const id = await send();
      await post(`/api/errors/${id}/ignore`, { until_count: 3 });
      await send();
      await send();
      expect((await group(id)).status).toBe('ignored');
      await send();
      expect((await group(id)).status).toBe('unresolved');
      for (let i = 0; i < 4; i++) await send();
      expect(regressions()).toBe(1);
    });

    it('until: wakes on the first occurrence after the time, once', async () => {
      const id = await send();
      const until = new Date(t.clock.now.getTime() + 10 * 60_000).toISOString();
      await post(`/api/errors/${id}/ignore`, { until });
      await send();
      expect((await group(id)).status).toBe('ignored');
      t.clock.now = new Date(Date.parse(until) + 1);
      await send();
      await send();
      expect((await group(id)).status).toBe('unresolved');
      expect(regressions()).toBe(1);
    });

    it('until_users: wakes when U more users are hit, once; repeats of a user do not count', async () => {
      const id = await send({ user_id: 'u0' });
      await post(`/api/errors/${id}/ignore`, { until_users: 2 });
      await send({ user_id: 'u0' });
      await send({ user_id: 'u1' });
      await send({ user_id: 'u1' });
      expect((await group(id)).status).toBe('ignored');
      await send({ user_id: 'u2' });
      expect((await group(id)).status).toBe('unresolved');
      expect((await group(id)).users).toBe(3);
      await send({ user_id: 'u3' });
      expect(regressions()).toBe(1);
      expect(heard.at(-1)!.users).toBe(4);
    });

    it('refuses bad conditions with 400', async () => {
      const id = await send();
      for (const body of [{ until_count: 0 }, { until: 'tomorrow' }, { until_users: 1.5 }, { forever: true }]) {
        const res = await post(`/api/errors/${id}/ignore`, body);
        expect(res.statusCode).toBe(400);
      }
      expect((await group(id)).status).toBe('unresolved');
      expect((await post('/api/errors/999/ignore')).statusCode).toBe(404);
    });
  });

  describe('bulk', () => {
    it('resolves, ignores and reopens many groups in one request, reporting ids not found', async () => {
      const a = await send({ exception_type: 'A' });
      const b = await send({ exception_type: 'B' });
      const c = await send({ exception_type: 'C' });
      let res = await post('/api/errors/bulk', { action: 'resolve', ids: [a, b, 999] });
      expect(res.json()).toEqual({ action: 'resolve', changed: [a, b], missing: [999] });
      expect((await get('/api/errors?status=resolved')).total).toBe(2);
      res = await post('/api/errors/bulk', { action: 'ignore', ids: [b, c], until_count: 10 });
      expect(res.json().changed).toEqual([b, c]);
      expect((await get('/api/errors?status=ignored')).errors.map((e: { id: number }) => e.id).sort()).toEqual([b, c].sort());
      res = await post('/api/errors/bulk', { action: 'reopen', ids: [a, b, c] });
      expect((await get('/api/errors?status=unresolved')).total).toBe(3);
    });

    it('is all or nothing when one group cannot be resolved in the named release', async () => {
      const a = await send({ release: 'r1' });
      const other = await send({ project: 'other', exception_type: 'X' });
      const res = await post('/api/errors/bulk', { action: 'resolve', ids: [a, other], in_release: 'r1' });
      expect(res.statusCode).toBe(404);
      expect((await group(a)).status).toBe('unresolved');
    });

    it('bounds and validates the request', async () => {
      const ids = Array.from({ length: 201 }, (_, i) => i + 1);
      for (const body of [{ action: 'resolve', ids }, { action: 'delete', ids: [1] }, { action: 'resolve', ids: [] }, { action: 'reopen', ids: ['x'] }]) {
        const res = await post('/api/errors/bulk', body);
        expect(res.statusCode).toBe(400);
        expect(res.json().code).toBe('validation_failed');
      }
    });
  });

  describe('users and sorts in the list', () => {
    it('counts distinct users by id, else email, else IP, and sorts by last_seen, first_seen, count and users', async () => {
      const a = await send({ exception_type: 'A', user_id: 'u1' });
      await send({ exception_type: 'A', user: { email: 'x@example.com' } });
      await send({ exception_type: 'A', user: { ip_address: '10.0.0.1' } });
      await send({ exception_type: 'A', user_id: 'u1' });
      const b = await send({ exception_type: 'B', user_id: 'u1' });
      await send({ exception_type: 'B' });
      await send({ exception_type: 'B' });
      await send({ exception_type: 'B' });
      await send({ exception_type: 'B' });
      const c = await send({ exception_type: 'C' });
      const order = async (sort: string) => (await get(`/api/errors?sort=${sort}`)).errors.map((e: { id: number }) => e.id);
      expect(await order('last_seen')).toEqual([c, b, a]);
      expect(await order('first_seen')).toEqual([c, b, a]);
      expect(await order('count')).toEqual([b, a, c]);
      expect(await order('users')).toEqual([a, b, c]);
      expect((await get('/api/errors')).errors.map((e: { users: number }) => e.users)).toEqual([0, 1, 3]);
      const page = await get(`/api/errors/${a}`);
      expect(page.users_affected).toEqual({ total: 3, last_24h: 3, exact: true });
      t.clock.now = new Date(t.clock.now.getTime() + 25 * 3600_000);
      expect((await get(`/api/errors/${a}`)).users_affected).toEqual({ total: 3, last_24h: 0, exact: true });
      expect((await t.app.inject({ url: '/api/errors?sort=random', headers: auth })).statusCode).toBe(400);
    });
  });
});
