// The error page's 14-day trend on SQLite: retention trimming old hours, and a missing group (buckets and release markers on both backends: test/store/contract/trend-api.test.ts).
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { retentionPolicy } from '../../src/jobs/retention.js';
import { auth, buildTestApp, postError, report, type TestApp } from '../helper.js';

let t: TestApp;
beforeEach(async () => {
  t = await buildTestApp();
});
afterEach(async () => {
  await t.close();
});

const trend = async (id: number) => (await t.app.inject({ url: `/api/errors/${id}/trend`, headers: auth })).json();
const at = async (timestamp: string, overrides: Record<string, unknown> = {}) => (await postError(t.app, report({ timestamp, ...overrides }))).json().id as number;

describe('GET /api/errors/:id/trend', () => {
  it('loses the hours retention trims and keeps the rest', async () => {
    t.clock.now = new Date('2026-03-20T12:00:00Z');
    const id = await at('2026-03-01T10:00:00Z');
    await at('2026-03-19T10:00:00Z');
    const stored = () => t.db.prepare('SELECT hour FROM error_hourly_counts WHERE error_id = ? ORDER BY hour').pluck().all(id);
    expect(stored()).toEqual(['2026-03-01T10:00:00Z', '2026-03-19T10:00:00Z']);
    const result = await t.store.cleanup(retentionPolicy(t.clock.now, 0));
    expect(result.hourlyCountsDeleted).toBe(1);
    expect(stored()).toEqual(['2026-03-19T10:00:00Z']);
    expect((await trend(id)).counts.reduce((a: number, b: number) => a + b, 0)).toBe(1);
  });

  it('answers 404 for a group that does not exist', async () => {
    const res = await t.app.inject({ url: '/api/errors/4242/trend', headers: auth });
    expect(res.statusCode).toBe(404);
  });
});
