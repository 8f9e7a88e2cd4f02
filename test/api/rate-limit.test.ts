// Per-IP rate limiting on /api, and which IP counts with and without TRUST_PROXY (the operator's own budget: operator-budget.test.ts).
import { afterEach, describe, expect, it } from 'vitest';
import { auth, buildTestApp, type TestApp } from '../helper.js';

let t: TestApp | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

const hit = (app: TestApp['app'], remoteAddress: string, headers: Record<string, string> = {}) =>
  app.inject({ url: '/api/projects', headers: { ...auth, ...headers }, remoteAddress });

describe('rate limit', () => {
  it('answers 429 with Retry-After past RATE_LIMIT_PER_MINUTE, per client IP', async () => {
    t = await buildTestApp({ RATE_LIMIT_PER_MINUTE: '3', OPERATOR_RATE_LIMIT_PER_MINUTE: '3' });
    for (let i = 0; i < 3; i++) expect((await hit(t.app, '10.0.0.1')).statusCode).toBe(200);
    const limited = await hit(t.app, '10.0.0.1');
    expect(limited.statusCode).toBe(429);
    expect(limited.json()).toMatchObject({ code: 'rate_limited' });
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    expect(Number(limited.headers['retry-after'])).toBeLessThanOrEqual(60);
    expect((await hit(t.app, '10.0.0.2')).statusCode).toBe(200);
  });

  it('counts unauthenticated requests too', async () => {
    t = await buildTestApp({ RATE_LIMIT_PER_MINUTE: '2' });
    for (let i = 0; i < 2; i++) expect((await t.app.inject({ url: '/api/errors', remoteAddress: '10.0.0.3' })).statusCode).toBe(401);
    expect((await t.app.inject({ url: '/api/errors', remoteAddress: '10.0.0.3' })).statusCode).toBe(429);
  });

  it('leaves /health alone', async () => {
    t = await buildTestApp({ RATE_LIMIT_PER_MINUTE: '1' });
    for (let i = 0; i < 5; i++) expect((await t.app.inject({ url: '/health', remoteAddress: '10.0.0.4' })).statusCode).toBe(200);
  });

  it('ignores X-Forwarded-For unless TRUST_PROXY is set', async () => {
    t = await buildTestApp({ RATE_LIMIT_PER_MINUTE: '2', OPERATOR_RATE_LIMIT_PER_MINUTE: '2' });
    for (let i = 0; i < 2; i++) await hit(t.app, '10.0.0.5', { 'x-forwarded-for': `203.0.113.${i}` });
    expect((await hit(t.app, '10.0.0.5', { 'x-forwarded-for': '203.0.113.99' })).statusCode).toBe(429);
  });

  it('takes the client IP from X-Forwarded-For with TRUST_PROXY', async () => {
    t = await buildTestApp({ RATE_LIMIT_PER_MINUTE: '2', OPERATOR_RATE_LIMIT_PER_MINUTE: '2', TRUST_PROXY: 'true' });
    for (let i = 0; i < 2; i++) expect((await hit(t.app, '10.0.0.6', { 'x-forwarded-for': '203.0.113.1' })).statusCode).toBe(200);
    expect((await hit(t.app, '10.0.0.6', { 'x-forwarded-for': '203.0.113.1' })).statusCode).toBe(429);
    expect((await hit(t.app, '10.0.0.6', { 'x-forwarded-for': '203.0.113.2' })).statusCode).toBe(200);
  });

  it('RATE_LIMIT_PER_MINUTE=0 turns it off', async () => {
    t = await buildTestApp({ RATE_LIMIT_PER_MINUTE: '0' });
    for (let i = 0; i < 150; i++) expect((await hit(t.app, '10.0.0.7')).statusCode).toBe(200);
  });
});
