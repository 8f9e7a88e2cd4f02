// Upload and agent tokens: created once with their value, stored hashed, listed without it, revoked; what a token may not do.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { auth, buildTestApp, type TestApp } from '../helper.js';
import { createSqliteReleaseStore } from '../../src/store/sqlite/releases.js';

let t: TestApp;
beforeEach(async () => {
  t = await buildTestApp();
  for (const name of ['shop', 'blog']) await t.app.inject({ method: 'POST', url: '/api/projects', headers: auth, payload: { name } });
});
afterEach(async () => {
  await t.close();
});

const create = (payload: Record<string, unknown>) => t.app.inject({ method: 'POST', url: '/api/tokens', headers: auth, payload });

describe('API tokens', () => {
  it('the token is shown once, stored only as a digest, listed by prefix, and revoked', async () => {
    const res = await create({ kind: 'upload', name: 'CI', projects: ['shop'] });
    expect(res.statusCode).toBe(201);
    const created = res.json();
    expect(created).toMatchObject({ kind: 'upload', name: 'CI', projects: ['shop'], scopes: ['upload'], revoked_at: null });
    expect(created.token).toMatch(/^sntryu_[0-9a-f]{64}$/);
    expect(created.token.startsWith(created.prefix)).toBe(true);

    const stored = JSON.stringify(t.db.prepare('SELECT * FROM api_tokens').all());
    expect(stored).not.toContain(created.token);
    expect(stored).not.toContain(created.token.slice(8));
    const listed = (await t.app.inject({ url: '/api/tokens', headers: auth })).json().tokens;
    expect(listed).toHaveLength(1);
    expect(JSON.stringify(listed)).not.toContain(created.token);
    expect(t.logs()).not.toContain(created.token);

    expect((await t.app.inject({ method: 'DELETE', url: `/api/tokens/${created.id}`, headers: auth })).statusCode).toBe(204);
    expect((await t.app.inject({ method: 'DELETE', url: `/api/tokens/${created.id}`, headers: auth })).statusCode).toBe(404);
    expect((await t.app.inject({ url: '/api/tokens?kind=upload', headers: auth })).json().tokens[0].revoked_at).toEqual(expect.any(String));
  });

  it('agent tokens read by default and triage when asked; bad kinds, scopes and projects are 400s that store nothing', async () => {
    expect((await create({ kind: 'agent', name: 'claude' })).json().scopes).toEqual(['read']);
    expect((await create({ kind: 'agent', name: 'fixer', scopes: ['triage'] })).json().scopes).toEqual(['read', 'triage']);
    for (const bad of [{ kind: 'admin', name: 'x' }, { kind: 'upload', name: 'x', scopes: ['triage'] }, { kind: 'upload', name: 'x', projects: ['nope'] }, { kind: 'upload', name: '' }]) {
      const res = await create(bad);
      expect(res.statusCode, JSON.stringify(bad)).toBe(400);
      expect(res.json().code).toBe('validation_failed');
    }
    expect((await t.app.inject({ url: '/api/tokens', headers: auth })).json().tokens).toHaveLength(2);
  });

  it('a token cannot call operator routes, nor create tokens; only the operator key can', async () => {
    const { token } = (await create({ kind: 'upload', name: 'CI' })).json();
    for (const url of ['/api/errors', '/api/projects', '/api/tokens']) {
      const res = await t.app.inject({ url, headers: { authorization: `Bearer ${token}` } });
      expect(res.statusCode, url).toBe(403);
      expect((await t.app.inject({ url, headers: { 'x-api-key': token } })).statusCode, url).toBe(401);
    }
    const revoked = (await create({ kind: 'upload', name: 'old' })).json();
    await t.app.inject({ method: 'DELETE', url: `/api/tokens/${revoked.id}`, headers: auth });
    expect((await t.app.inject({ url: '/api/errors', headers: { authorization: `Bearer ${revoked.token}` } })).statusCode).toBe(401);
  });
});

describe('release store', () => {
  it('an API record takes over an event record; deploys create their release; newest first', async () => {
    const releases = createSqliteReleaseStore(t.db, { now: () => new Date('2026-03-02T00:00:00Z') });
    await releases.recordRelease({ project: 'shop', version: '1.0', createdBy: 'event', createdAt: '2026-03-01T10:00:00Z' });
    expect(await releases.recordRelease({ project: 'shop', version: '1.0', createdBy: 'event', createdAt: '2026-03-01T11:00:00Z' })).toMatchObject({ createdAt: '2026-03-01T10:00:00Z', createdBy: 'event' });
    expect(await releases.recordRelease({ project: 'shop', version: '1.0', createdBy: 'api' })).toMatchObject({ createdAt: '2026-03-02T00:00:00.000Z', createdBy: 'api', finalizedAt: null });
    expect(await releases.recordRelease({ project: 'shop', version: '1.0', createdBy: 'api', finalizedAt: '2026-03-02T01:00:00Z' })).toMatchObject({ createdAt: '2026-03-02T00:00:00.000Z', finalizedAt: '2026-03-02T01:00:00Z' });
    const d = await releases.addDeploy({ project: 'shop', version: '2.0', environment: 'production', name: null, url: null, startedAt: '2026-03-03T00:00:00Z', finishedAt: '2026-03-03T00:05:00Z' });
    expect(d).toMatchObject({ version: '2.0', environment: 'production' });
    expect((await releases.listReleaseRecords('shop', 10)).map((r) => r.version)).toEqual(['2.0', '1.0']);
    expect(await releases.listDeploys('shop', '2.0')).toHaveLength(1);
    expect(await releases.getRelease('blog', '2.0')).toBeNull();
  });
});
