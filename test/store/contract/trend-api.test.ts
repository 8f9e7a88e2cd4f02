// The error page's 14-day trend through the API on both backends: UTC hourly buckets across midnight, and the chart's release markers.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { auth, postError, report } from '../../helper.js';
import { buildAppOn, type BackendApp } from './app-backends.js';
import { BACKENDS } from './backends.js';

describe.each(BACKENDS)('GET /api/errors/:id/trend on %s', (backend) => {
  let t: BackendApp;
  beforeEach(async () => {
    t = await buildAppOn(backend);
  });
  afterEach(async () => {
    await t.close();
  });

  const trend = async (id: number) => (await t.app.inject({ url: `/api/errors/${id}/trend`, headers: auth })).json();
  const at = async (timestamp: string, overrides: Record<string, unknown> = {}) => (await postError(t.app, report({ timestamp, ...overrides }))).json().id as number;

  it('gives 336 UTC hours, oldest first, split at midnight whatever the offset the client wrote', async () => {
    t.clock.now = new Date('2026-03-02T00:30:00Z');
    const id = await at('2026-03-01T23:59:59Z');
    await at('2026-03-02T00:00:00Z');
    await at('2026-03-02T01:15:00+01:00'); // 00:15 UTC
    await at('2026-03-01T22:10:00-02:00'); // 2026-03-02T00:10 UTC
    await at('2026-02-16T01:00:00Z'); // the oldest hour of the window
    await at('2026-02-16T00:59:59Z'); // outside it
    const body = await trend(id);
    expect(body.hours).toHaveLength(336);
    expect(body.counts).toHaveLength(336);
    expect(body.hours[0]).toBe('2026-02-16T01:00:00Z');
    expect(body.hours.at(-1)).toBe('2026-03-02T00:00:00Z');
    expect(body.counts.at(-1)).toBe(3);
    expect(body.counts.at(-2)).toBe(1);
    expect(body.counts[0]).toBe(1);
    expect(body.counts.reduce((a: number, b: number) => a + b, 0)).toBe(5);
  });

  it('marks the project releases created within the window, with their deploys', async () => {
    t.clock.now = new Date('2026-03-01T12:00:00Z');
    const id = await at('2026-03-01T11:00:00Z', { release: 'v2' });
    await t.releaseStore.recordRelease({ project: 'shop', version: 'ancient', createdBy: 'api', createdAt: '2025-01-01T00:00:00.000Z' });
    await t.releaseStore.addDeploy({ project: 'shop', version: 'v2', environment: 'prod', name: null, url: null, startedAt: null, finishedAt: '2026-03-01T11:30:00.000Z' });
    const body = await trend(id);
    expect(body.releases).toEqual([{ version: 'v2', created_at: '2026-03-01T12:00:00.000Z', deploys: [{ environment: 'prod', finished_at: '2026-03-01T11:30:00.000Z' }] }]);
  });
});
