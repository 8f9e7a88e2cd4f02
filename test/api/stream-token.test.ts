// POST /api/stream-token and the refusals of GET /api/stream: operator key only, tokens expire, are scoped to the stream.
import { afterEach, describe, expect, it } from 'vitest';
import { auth, buildTestApp, type TestApp } from '../helper.js';

let t: TestApp;
afterEach(async () => t?.close());

const token = async () => {
  const res = await t.app.inject({ method: 'POST', url: '/api/stream-token', headers: auth });
  expect(res.statusCode).toBe(200);
  return res.json() as { token: string; expires_at: string };
};

describe('stream tokens over the API', () => {
  it('are given only for the operator key, and expire after STREAM_TOKEN_SECONDS', async () => {
    t = await buildTestApp({ STREAM_TOKEN_SECONDS: '30' });
    expect((await t.app.inject({ method: 'POST', url: '/api/stream-token' })).statusCode).toBe(401);
    const issued = await token();
    expect(Date.parse(issued.expires_at) - t.clock.now.getTime()).toBe(30_000);
    t.clock.now = new Date(t.clock.now.getTime() + 31_000);
    const res = await t.app.inject({ method: 'GET', url: `/api/stream?token=${encodeURIComponent(issued.token)}` });
    expect(res.statusCode).toBe(401);
    expect(res.json()).toMatchObject({ code: 'stream_token_invalid', error: expect.stringContaining('expired') });
  });

  it('refuses a stream without a token, with a forged one, or with the operator key in the URL', async () => {
    t = await buildTestApp();
    const { token: good } = await token();
    const forged = good.slice(0, -2) + (good.endsWith('AA') ? 'BB' : 'AA');
    for (const url of ['/api/stream', `/api/stream?token=${encodeURIComponent(forged)}`, `/api/stream?token=${auth['x-api-key']}`, '/api/stream?key=x']) {
      const res = await t.app.inject({ method: 'GET', url });
      expect(res.statusCode, url).toBe(401);
      expect(res.json().code, url).toBe('stream_token_invalid');
    }
    // The operator key in the header does not open a stream either: the page must never need it in a URL, and one way in is enough.
    expect((await t.app.inject({ method: 'GET', url: '/api/stream', headers: auth })).statusCode).toBe(401);
    // Logged as a failed authentication, never with the token.
    expect(t.logs()).toContain('auth_failed');
    expect(t.logs()).not.toContain(forged);
  });

  it('is good for reading the stream only: as a key or bearer token elsewhere it is refused', async () => {
    t = await buildTestApp();
    const { token: st } = await token();
    expect((await t.app.inject({ method: 'GET', url: '/api/errors', headers: { 'x-api-key': st } })).statusCode).toBe(401);
    expect((await t.app.inject({ method: 'GET', url: '/api/errors', headers: { authorization: `Bearer ${st}` } })).statusCode).toBe(401);
    expect((await t.app.inject({ method: 'POST', url: '/api/stream-token', headers: { 'x-api-key': st } })).statusCode).toBe(401);
  });

  it('answers 503 with Retry-After when no more streams may open', async () => {
    t = await buildTestApp({ STREAM_MAX_CLIENTS: '0' });
    const { token: st } = await token();
    const res = await t.app.inject({ method: 'GET', url: `/api/stream?token=${encodeURIComponent(st)}` });
    expect(res.statusCode).toBe(503);
    expect(res.json().code).toBe('too_many_streams');
    expect(res.headers['retry-after']).toBeDefined();
  });
});
