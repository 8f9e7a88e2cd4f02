// Keys under attack: constant-time checks, the per-IP lockout, its security log, `?key=` only for ingest, forged X-Forwarded-For.
import * as crypto from 'node:crypto';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { keyMatches } from '../../src/auth.js';
import { createAuthLockout } from '../../src/auth-lockout.js';
import { API_KEY, auth, buildTestApp, postError, report, type TestApp } from '../helper.js';

// A pass-through spy: the comparison must go through crypto.timingSafeEqual, never `===`.
vi.mock('node:crypto', async (importOriginal) => {
  const actual = await importOriginal<typeof import('node:crypto')>();
  return { ...actual, timingSafeEqual: vi.fn(actual.timingSafeEqual) };
});

let t: TestApp | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

const WRONG = 'wrong-key-that-is-long-enough-000';

function logRecords(app: TestApp): Record<string, unknown>[] {
  return app
    .logs()
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

async function createProject(app: TestApp['app'], name: string): Promise<{ id: number; ingest_key: string }> {
  const res = await app.inject({ method: 'POST', url: '/api/projects', headers: auth, payload: { name } });
  expect(res.statusCode).toBe(201);
  return res.json();
}

describe('constant-time comparison', () => {
  it('compares the operator key through timingSafeEqual on equal-length digests, whatever the length tried', () => {
    const spy = vi.mocked(crypto.timingSafeEqual);
    spy.mockClear();
    for (const given of ['x', API_KEY.slice(0, -1), `${API_KEY}x`, API_KEY.replace(/.$/, '0'), 'y'.repeat(10_000)]) {
      expect(keyMatches(given, API_KEY)).toBe(false);
    }
    expect(keyMatches(API_KEY, API_KEY)).toBe(true);
    expect(spy).toHaveBeenCalledTimes(6);
    for (const [a, b] of spy.mock.calls) expect((a as Buffer).length).toBe((b as Buffer).length);
  });

  it('never treats an empty or non-string key as a match', () => {
    for (const given of ['', undefined, null, 42, [API_KEY], { key: API_KEY }]) expect(keyMatches(given, API_KEY)).toBe(false);
  });
});

describe('failed-authentication lockout', () => {
  const get = (app: TestApp['app'], ip: string, headers: Record<string, string> = {}) =>
    app.inject({ url: '/api/errors', headers, remoteAddress: ip });

  it('after 10 failures in a minute an IP gets 429 for the rest of the window; valid keys and other IPs are still served', async () => {
    t = await buildTestApp();
    for (let i = 0; i < 10; i++) expect((await get(t.app, '10.1.0.1', { 'x-api-key': `${WRONG}${i}` })).statusCode).toBe(401);
    const locked = await get(t.app, '10.1.0.1', { 'x-api-key': WRONG });
    expect(locked.statusCode).toBe(429);
    expect(locked.json()).toMatchObject({ code: 'too_many_auth_failures' });
    expect(Number(locked.headers['retry-after'])).toBe(60);
    expect((await get(t.app, '10.1.0.1')).statusCode).toBe(429); // no key at all is an unauthenticated attempt too

    expect((await get(t.app, '10.1.0.1', auth)).statusCode).toBe(200);
    expect((await postError(t.app, report(), auth)).statusCode).toBe(201);
    expect((await get(t.app, '10.1.0.2', { 'x-api-key': WRONG })).statusCode).toBe(401);

    t.clock.now = new Date(t.clock.now.getTime() + 45_000);
    const later = await get(t.app, '10.1.0.1', { 'x-api-key': WRONG });
    expect(later.statusCode).toBe(429);
    expect(Number(later.headers['retry-after'])).toBe(15);

    t.clock.now = new Date(t.clock.now.getTime() + 15_000); // the window is over
    expect((await get(t.app, '10.1.0.1', { 'x-api-key': WRONG })).statusCode).toBe(401);
  });

  it('counts failures on every keyed route: ingest with ?key=, projects, test-alert and the Sentry endpoints', async () => {
    t = await buildTestApp();
    const { id } = await createProject(t.app, 'shop');
    const ip = '10.1.0.3';
    const attempts = [
      { method: 'POST' as const, url: `/api/errors?key=${'0'.repeat(32)}`, payload: report() },
      { method: 'GET' as const, url: '/api/projects' },
      { method: 'POST' as const, url: '/api/projects/shop/rotate-key' },
      { method: 'POST' as const, url: '/api/test-alert' },
      { method: 'POST' as const, url: '/api/errors/1/resolve' },
      { method: 'POST' as const, url: `/api/${id}/store/?sentry_key=${'0'.repeat(32)}`, payload: '{}' },
      { method: 'POST' as const, url: `/api/${id}/envelope/`, payload: '{}\n{"type":"event"}\n{}' },
      { method: 'POST' as const, url: `/api/${id}/envelope/`, headers: { 'x-sentry-auth': 'Sentry sentry_key=a, sentry_key=b' }, payload: '{}' },
      { method: 'GET' as const, url: '/api/errors/1' },
      { method: 'GET' as const, url: '/api/projects/shop' },
    ];
    for (const a of attempts) expect((await t.app.inject({ ...a, remoteAddress: ip })).statusCode, a.url).toBe(401);
    const sentry = await t.app.inject({ method: 'POST', url: `/api/${id}/store/?sentry_key=${'1'.repeat(32)}`, payload: '{}', remoteAddress: ip });
    expect(sentry.statusCode).toBe(429);
    expect(sentry.headers['x-sentry-rate-limits']).toMatch(/^\d+::/); // SDKs back off
  });

  it('logs each failure at warn as {"event":"auth_failed","ip","route"}, never with the key tried', async () => {
    t = await buildTestApp();
    const { id } = await createProject(t.app, 'shop');
    const tried = ['a-key-an-attacker-tried-0001', 'f'.repeat(32), 'e'.repeat(32)];
    await get(t.app, '10.1.0.4', { 'x-api-key': tried[0]! });
    await t.app.inject({ method: 'POST', url: `/api/errors?key=${tried[1]}`, payload: report(), remoteAddress: '10.1.0.4' });
    await t.app.inject({ method: 'POST', url: `/api/${id}/store/?sentry_key=${tried[2]}`, payload: '{}', remoteAddress: '10.1.0.4' });
    const failures = logRecords(t).filter((r) => r.event === 'auth_failed');
    expect(failures.map((r) => [r.level, r.ip, r.route])).toEqual([
      ['warn', '10.1.0.4', '/api/errors'],
      ['warn', '10.1.0.4', '/api/errors'],
      ['warn', '10.1.0.4', '/api/:projectId(^\\d{1,15})/store/'],
    ]);
    for (const key of tried) expect(t.logs()).not.toContain(key);
  });

  it('a forged X-Forwarded-For does not dodge the lockout unless TRUST_PROXY is set', async () => {
    t = await buildTestApp();
    for (let i = 0; i < 10; i++) await get(t.app, '10.1.0.5', { 'x-api-key': WRONG, 'x-forwarded-for': `203.0.113.${i}` });
    expect((await get(t.app, '10.1.0.5', { 'x-api-key': WRONG, 'x-forwarded-for': '203.0.113.200' })).statusCode).toBe(429);
    await t.close();

    t = await buildTestApp({ TRUST_PROXY: '10.1.0.6' });
    for (let i = 0; i < 10; i++) await get(t.app, '10.1.0.6', { 'x-api-key': WRONG, 'x-forwarded-for': '203.0.113.7' });
    expect((await get(t.app, '10.1.0.6', { 'x-api-key': WRONG, 'x-forwarded-for': '203.0.113.7' })).statusCode).toBe(429);
    expect((await get(t.app, '10.1.0.6', { 'x-api-key': WRONG, 'x-forwarded-for': '203.0.113.8' })).statusCode).toBe(401);
    expect(logRecords(t).filter((r) => r.event === 'auth_failed').at(-1)).toMatchObject({ ip: '203.0.113.8' });
  });

  it('keeps a bounded number of addresses, dropping finished windows first, then the oldest', () => {
    const clock = { now: new Date('2026-03-01T12:00:00Z') };
    const lockout = createAuthLockout({ now: () => clock.now, maxFailures: 2, windowMs: 60_000, maxTracked: 100 });
    for (let i = 0; i < 3; i++) lockout.fail('192.0.2.1');
    expect(lockout.fail('192.0.2.1').lockedForSeconds).toBe(60);
    for (let i = 0; i < 10_000; i++) lockout.fail(`198.51.100.${i}`);
    expect(lockout.size()).toBeLessThanOrEqual(100);
    clock.now = new Date(clock.now.getTime() + 61_000);
    lockout.fail('192.0.2.2');
    expect(lockout.size()).toBe(1);
  });
});

describe('?key= in the URL', () => {
  it('is taken only for ingest keys on ingest routes; the operator key must travel in the header', async () => {
    t = await buildTestApp();
    const { ingest_key } = await createProject(t.app, 'shop');
    // Each attempt from its own address, so the lockout stays out of the picture.
    let n = 0;
    const from = () => `10.2.0.${++n}`;
    const post = (url: string) =>
      t!.app.inject({ method: 'POST', url, headers: { 'content-type': 'text/plain' }, payload: JSON.stringify(report()), remoteAddress: from() });
    expect((await post(`/api/errors?key=${ingest_key}`)).statusCode).toBe(201);
    expect((await post(`/api/errors?key=${API_KEY}`)).statusCode).toBe(401);
    for (const url of ['/api/errors', '/api/projects', '/api/errors/1', '/api/projects/shop']) {
      expect((await t.app.inject({ url: `${url}?key=${API_KEY}`, remoteAddress: from() })).statusCode, url).toBe(401);
      expect((await t.app.inject({ url: `${url}?key=${ingest_key}`, remoteAddress: from() })).statusCode, url).toBe(401);
    }
    for (const url of ['/api/errors/1/resolve', '/api/projects/shop/rotate-key', '/api/test-alert']) {
      expect((await t.app.inject({ method: 'POST', url: `${url}?key=${API_KEY}`, remoteAddress: from() })).statusCode, url).toBe(401);
    }
  });
});

describe('the per-IP rate limit', () => {
  it('cannot be dodged with a forged X-Forwarded-For unless TRUST_PROXY is set', async () => {
    t = await buildTestApp({ RATE_LIMIT_PER_MINUTE: '5' });
    // Without the operator key: a valid one draws on the operator's own budget (OPERATOR_RATE_LIMIT_PER_MINUTE).
    for (let i = 0; i < 5; i++) {
      const res = await t.app.inject({ url: '/api/projects', headers: { 'x-forwarded-for': `198.51.100.${i}` }, remoteAddress: '10.1.0.7' });
      expect(res.statusCode).toBe(401);
    }
    const forged = await t.app.inject({ url: '/api/projects', headers: { 'x-forwarded-for': '198.51.100.99' }, remoteAddress: '10.1.0.7' });
    expect(forged.statusCode).toBe(429);
    const sentry = await t.app.inject({ method: 'POST', url: '/api/1/store/', headers: { 'x-forwarded-for': '198.51.100.98' }, payload: '{}', remoteAddress: '10.1.0.7' });
    expect(sentry.statusCode).toBe(429);
  });
});
