// The operator's own per-IP budget: an ingest flood from the operator's network must not lock the UI.
import { afterEach, describe, expect, it } from 'vitest';
import { API_KEY, auth, buildTestApp, report, type TestApp } from '../helper.js';

let t: TestApp | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

const OFFICE = '10.20.0.1';

/** Creates a project from another address, so the office's budgets start untouched. */
async function ingestKey(app: TestApp['app']): Promise<string> {
  const res = await app.inject({ method: 'POST', url: '/api/projects', headers: auth, payload: { name: 'shop' }, remoteAddress: '10.99.0.1' });
  return (res.json() as { ingest_key: string }).ingest_key;
}

const ingest = (app: TestApp['app'], key: string) =>
  app.inject({ method: 'POST', url: '/api/errors', headers: { 'x-api-key': key }, payload: report(), remoteAddress: OFFICE });

/** Sends reports until the clients' budget answers 429; returns how many were accepted. */
async function flood(app: TestApp['app'], key: string, limit: number): Promise<number> {
  let accepted = 0;
  for (let i = 0; i < limit + 5; i++) {
    const res = await ingest(app, key);
    if (res.statusCode === 429) return accepted;
    expect([200, 201]).toContain(res.statusCode);
    accepted++;
  }
  throw new Error('the ingest flood was never limited');
}

describe('the operator budget', () => {
  it('an ingest flood spends the IP budget; the operator from the same IP still gets its pages', async () => {
    t = await buildTestApp({ RATE_LIMIT_PER_MINUTE: '5', OPERATOR_RATE_LIMIT_PER_MINUTE: '50' });
    const key = await ingestKey(t.app);
    expect(await flood(t.app, key, 5)).toBe(5);
    expect((await ingest(t.app, key)).statusCode).toBe(429);

    const list = await t.app.inject({ url: '/api/errors', headers: auth, remoteAddress: OFFICE });
    expect(list.statusCode).toBe(200);
    const id = (list.json() as { errors: Array<{ id: number }> }).errors[0]!.id;
    for (const url of [`/api/errors/${id}`, '/api/projects', '/api/projects/shop']) {
      expect((await t.app.inject({ url, headers: auth, remoteAddress: OFFICE })).statusCode, url).toBe(200);
    }
    expect((await t.app.inject({ method: 'POST', url: `/api/errors/${id}/resolve`, headers: auth, remoteAddress: OFFICE })).statusCode).toBe(200);
    // And the operator's requests did not refill the clients' budget.
    expect((await ingest(t.app, key)).statusCode).toBe(429);
  });

  it('a wrong key gets no extra budget, and still counts toward the lockout', async () => {
    t = await buildTestApp({ RATE_LIMIT_PER_MINUTE: '5', OPERATOR_RATE_LIMIT_PER_MINUTE: '50' });
    const key = await ingestKey(t.app);
    expect(await flood(t.app, key, 5)).toBe(5);
    for (const wrong of [`${API_KEY}x`, API_KEY.slice(0, -1), API_KEY.toUpperCase(), 'f'.repeat(32)]) {
      const res = await t.app.inject({ url: '/api/errors', headers: { 'x-api-key': wrong }, remoteAddress: OFFICE });
      expect(res.statusCode, wrong).toBe(429);
      expect(res.json()).toMatchObject({ code: 'rate_limited' });
    }
    // The operator key in the query string is not the operator's (it never travels in a URL).
    expect((await t.app.inject({ url: `/api/errors?key=${API_KEY}`, remoteAddress: OFFICE })).statusCode).toBe(429);

    // Where the shared budget is large, failures reach the lockout (10 a minute) and never get 200.
    await t.close();
    t = await buildTestApp({ RATE_LIMIT_PER_MINUTE: '1000', OPERATOR_RATE_LIMIT_PER_MINUTE: '50' });
    const statuses: number[] = [];
    for (let i = 0; i < 12; i++) {
      statuses.push((await t.app.inject({ url: '/api/errors', headers: { 'x-api-key': `${API_KEY}-${i}` }, remoteAddress: OFFICE })).statusCode);
    }
    expect(statuses.slice(0, 10).every((s) => s === 401)).toBe(true);
    expect(statuses.slice(10)).toEqual([429, 429]);
    expect(t.logs()).toContain('"event":"auth_failed"');
    expect(t.logs()).not.toContain(API_KEY);
  });

  it('is a budget of its own: past OPERATOR_RATE_LIMIT_PER_MINUTE the operator gets 429 with Retry-After, the clients do not', async () => {
    t = await buildTestApp({ RATE_LIMIT_PER_MINUTE: '5', OPERATOR_RATE_LIMIT_PER_MINUTE: '8' });
    const key = await ingestKey(t.app);
    for (let i = 0; i < 8; i++) expect((await t.app.inject({ url: '/api/projects', headers: auth, remoteAddress: OFFICE })).statusCode).toBe(200);
    const limited = await t.app.inject({ url: '/api/projects', headers: auth, remoteAddress: OFFICE });
    expect(limited.statusCode).toBe(429);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    expect(await flood(t.app, key, 5)).toBe(5);
  });

  it('OPERATOR_RATE_LIMIT_PER_MINUTE=0 leaves the operator unlimited while clients stay limited', async () => {
    t = await buildTestApp({ RATE_LIMIT_PER_MINUTE: '3', OPERATOR_RATE_LIMIT_PER_MINUTE: '0' });
    const key = await ingestKey(t.app);
    expect(await flood(t.app, key, 3)).toBe(3);
    for (let i = 0; i < 30; i++) expect((await t.app.inject({ url: '/api/projects', headers: auth, remoteAddress: OFFICE })).statusCode).toBe(200);
  });
});
