// Spike protection (issue 14): per-project quotas, 429 with the Sentry rate-limit headers, exact dropped counts.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { auth, buildTestApp, postError, report, type TestApp } from '../helper.js';

let t: TestApp;
beforeEach(async () => {
  t = await buildTestApp();
});
afterEach(() => t.close());

interface ApiProject {
  id: number;
  name: string;
  ingest_key: string;
}

const create = async (app: TestApp['app'], name: string): Promise<ApiProject> =>
  (await app.inject({ method: 'POST', url: '/api/projects', headers: auth, payload: { name } })).json();
const setQuota = (app: TestApp['app'], name: string, quota: Record<string, unknown>) =>
  app.inject({ method: 'PUT', url: `/api/projects/${encodeURIComponent(name)}/quota`, headers: auth, payload: quota });
const details = async (app: TestApp['app'], name: string) => (await app.inject({ url: `/api/projects/${encodeURIComponent(name)}`, headers: auth })).json();

let seq = 0;
function sendEvent(app: TestApp['app'], project: ApiProject, extraItems = '') {
  const eventId = (++seq).toString(16).padStart(32, '0');
  const event = JSON.stringify({ event_id: eventId, exception: { values: [{ type: 'Boom', value: `n${seq}` }] } });
  const body = `${JSON.stringify({ event_id: eventId })}\n{"type":"event"}\n${event}\n${extraItems}`;
  return app.inject({
    method: 'POST',
    url: `/api/${project.id}/envelope/?sentry_key=${project.ingest_key}`,
    headers: { 'content-type': 'application/x-sentry-envelope', origin: 'https://shop.example.com' },
    payload: body,
  });
}

describe('spike protection', () => {
  it("a burst over a project's quota gets 429s with Retry-After and X-Sentry-Rate-Limits, other projects are served, drops are counted exactly", async () => {
    const shop = await create(t.app, 'shop');
    const blog = await create(t.app, 'blog');
    expect((await setQuota(t.app, 'shop', { events_per_minute: 5, events_per_hour: null })).statusCode).toBe(200);
    // Concurrent, as a real burst: the admissions are counted as they come, not after the writes.
    const burst = await Promise.all(Array.from({ length: 12 }, () => sendEvent(t.app, shop)));
    const others = await Promise.all(Array.from({ length: 8 }, () => sendEvent(t.app, blog)));
    expect(burst.filter((r) => r.statusCode === 200)).toHaveLength(5);
    const refused = burst.filter((r) => r.statusCode === 429);
    expect(refused).toHaveLength(7);
    for (const r of refused) {
      const seconds = Number(r.headers['retry-after']);
      expect(Number.isInteger(seconds) && seconds >= 1 && seconds <= 60).toBe(true);
      expect(r.headers['x-sentry-rate-limits']).toBe(`${seconds}:error;default:project:quota_exceeded`);
      expect(r.headers['access-control-allow-origin']).toBeDefined();
      expect(String(r.headers['access-control-expose-headers'])).toMatch(/x-sentry-rate-limits/i);
      expect(r.json()).toMatchObject({ code: 'quota_exceeded' });
    }
    expect(others.every((r) => r.statusCode === 200)).toBe(true);

    const stored = (await t.app.inject({ url: '/api/errors?project=shop', headers: auth })).json();
    expect(stored.errors[0].count).toBe(5);
    const d = await details(t.app, 'shop');
    expect(d.dropped).toEqual({ last_hour: 7, last_24_hours: 7, total: 7, hours: [{ hour: '2026-03-01T12:00:00Z', count: 7 }] });
    expect(d.quota).toEqual({ events_per_minute: 5, events_per_hour: 120_000, overrides: { events_per_minute: 5, events_per_hour: null } });
    expect((await details(t.app, 'blog')).dropped.total).toBe(0);
    const list = (await t.app.inject({ url: '/api/projects', headers: auth })).json();
    expect(list.details.find((p: { name: string }) => p.name === 'shop').dropped.last_hour).toBe(7);
  });

  it('native ingest answers 429 too, counted; the next minute is served again', async () => {
    await create(t.app, 'shop');
    await setQuota(t.app, 'shop', { events_per_minute: 2, events_per_hour: 0 });
    const codes = [];
    for (let i = 0; i < 5; i++) codes.push((await postError(t.app, report())).statusCode);
    expect(codes).toEqual([201, 200, 429, 429, 429]);
    const refused = await postError(t.app, report());
    expect(refused.headers['retry-after']).toBe('60'); // the test clock stands at 12:00:00
    expect(refused.json()).toMatchObject({ code: 'quota_exceeded' });
    t.clock.now = new Date('2026-03-01T12:01:00Z');
    expect((await postError(t.app, report())).statusCode).toBe(200);
    expect((await details(t.app, 'shop')).dropped.last_hour).toBe(4);
    expect(t.logs().match(/"event":"quota_exceeded"/g)).toHaveLength(1); // once per window, not per event
  });

  it('the hour window: Retry-After runs to the end of the hour, and drops are kept per hour', async () => {
    await create(t.app, 'shop');
    await setQuota(t.app, 'shop', { events_per_minute: null, events_per_hour: 3 });
    t.clock.now = new Date('2026-03-01T12:30:00Z');
    for (let i = 0; i < 3; i++) expect((await postError(t.app, report())).statusCode).toBeLessThan(300);
    const refused = await postError(t.app, report());
    expect(refused.statusCode).toBe(429);
    expect(refused.headers['retry-after']).toBe('1800');
    t.clock.now = new Date('2026-03-01T13:00:00Z');
    expect((await postError(t.app, report())).statusCode).toBe(200);
    for (let i = 0; i < 3; i++) await postError(t.app, report());
    expect((await details(t.app, 'shop')).dropped).toEqual({
      last_hour: 1,
      last_24_hours: 2,
      total: 2,
      hours: [{ hour: '2026-03-01T12:00:00Z', count: 1 }, { hour: '2026-03-01T13:00:00Z', count: 1 }],
    });
  });

  it('an envelope without an event (a client report) is not an event: accepted, not counted', async () => {
    const shop = await create(t.app, 'shop');
    await setQuota(t.app, 'shop', { events_per_minute: 1, events_per_hour: null });
    expect((await sendEvent(t.app, shop)).statusCode).toBe(200);
    const clientReport = await t.app.inject({
      method: 'POST',
      url: `/api/${shop.id}/envelope/?sentry_key=${shop.ingest_key}`,
      payload: '{}\n{"type":"client_report"}\n{"discarded_events":[{"reason":"ratelimit_backoff","category":"error","quantity":1}]}\n',
    });
    expect(clientReport.statusCode).toBe(200);
    expect((await details(t.app, 'shop')).dropped.total).toBe(0);
  });

  it('the global defaults come from the config; null puts a project back on them, 0 lifts its limit', async () => {
    const small = await buildTestApp({ QUOTA_EVENTS_PER_MINUTE: '2', QUOTA_EVENTS_PER_HOUR: '1000' });
    try {
      await create(small.app, 'shop');
      const codes = [];
      for (let i = 0; i < 3; i++) codes.push((await postError(small.app, report())).statusCode);
      expect(codes).toEqual([201, 200, 429]);
      await setQuota(small.app, 'shop', { events_per_minute: 0, events_per_hour: null });
      for (let i = 0; i < 5; i++) expect((await postError(small.app, report())).statusCode).toBe(200);
      const reset = (await setQuota(small.app, 'shop', { events_per_minute: null, events_per_hour: null })).json();
      expect(reset.quota).toEqual({ events_per_minute: 2, events_per_hour: 1000, overrides: { events_per_minute: null, events_per_hour: null } });
      expect((await postError(small.app, report())).statusCode).toBe(429);
    } finally {
      await small.close();
    }
  });

  it('bad quotas get 400 from the catalogue, an unknown project 404, and nothing changes', async () => {
    await create(t.app, 'shop');
    for (const bad of [{ events_per_minute: -1, events_per_hour: null }, { events_per_minute: 1.5, events_per_hour: null }, { events_per_minute: '5', events_per_hour: null }, { events_per_minute: 5 }, { events_per_minute: 5, events_per_hour: 5, x: 1 }]) {
      const res = await setQuota(t.app, 'shop', bad);
      expect(res.statusCode, JSON.stringify(bad)).toBe(400);
      expect(res.json().code).toBe('validation_failed');
    }
    expect((await setQuota(t.app, 'nope', { events_per_minute: 5, events_per_hour: 5 })).statusCode).toBe(404);
    expect((await details(t.app, 'shop')).quota.overrides).toEqual({ events_per_minute: null, events_per_hour: null });
    const ingestKey = (await details(t.app, 'shop')).ingest_key;
    expect((await t.app.inject({ method: 'PUT', url: '/api/projects/shop/quota', headers: { 'x-api-key': ingestKey }, payload: { events_per_minute: 0, events_per_hour: 0 } })).statusCode).toBe(403);
  });
});

describe('spike protection across a restart', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'et-quota-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('quotas and dropped counts are in the database', async () => {
    const path = join(dir, 'errors.db');
    const first = await buildTestApp({}, path);
    await create(first.app, 'shop');
    await setQuota(first.app, 'shop', { events_per_minute: 1, events_per_hour: 50 });
    for (let i = 0; i < 4; i++) await postError(first.app, report());
    await first.close();
    const second = await buildTestApp({}, path);
    try {
      const d = await details(second.app, 'shop');
      expect(d.dropped.total).toBe(3);
      expect(d.quota).toMatchObject({ events_per_minute: 1, events_per_hour: 50 });
    } finally {
      await second.close();
    }
  });
});
