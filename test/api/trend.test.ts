// The 24-hour trend in GET /api/errors: per group, per hour, relative to the app's clock.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { auth, buildTestApp, postError, report, type TestApp } from '../helper.js';

let t: TestApp;
beforeEach(async () => {
  t = await buildTestApp();
});
afterEach(async () => {
  await t.close();
});

const list = async (q = '') => (await t.app.inject({ method: 'GET', url: `/api/errors${q}`, headers: auth })).json();
const at = (timestamp: string, overrides: Record<string, unknown> = {}) => postError(t.app, report({ timestamp, ...overrides }));

describe('trend in GET /api/errors', () => {
  it('gives 24 hourly counts, oldest first and the current hour last, for each group', async () => {
    t.clock.now = new Date('2026-03-01T12:30:00Z');
    await at('2026-02-28T12:59:59Z'); // just outside the window
    await at('2026-02-28T13:00:00Z'); // the oldest hour of the window
    await at('2026-03-01T11:59:00Z');
    await at('2026-03-01T12:05:00Z');
    await at('2026-03-01T12:29:00Z');
    await at('2026-03-01T12:10:00Z', { traceback: 'File "/srv/app/other.py", line 3, in g\n' });

    const { errors } = await list();
    expect(errors).toHaveLength(2);
    const [main, other] = errors; // newest last_seen first: main at 12:29, other at 12:10
    expect(main.count).toBe(5);
    expect(main.trend).toEqual([1, ...Array(21).fill(0), 1, 2]);
    expect(other.trend).toEqual([...Array(23).fill(0), 1]);
  });

  it('moves with the clock: old hours slide out, empty ones are zero', async () => {
    t.clock.now = new Date('2026-03-01T12:00:00Z');
    await at('2026-03-01T12:00:00Z');
    t.clock.now = new Date('2026-03-01T15:45:00Z');
    expect((await list()).errors[0].trend).toEqual([...Array(20).fill(0), 1, 0, 0, 0]);
    t.clock.now = new Date('2026-03-02T12:00:00Z');
    expect((await list()).errors[0].trend).toEqual(Array(24).fill(0));
  });

  it('is there for every group of a page, and for an empty page', async () => {
    t.clock.now = new Date('2026-03-01T12:00:00Z');
    for (let i = 0; i < 30; i++) await at('2026-03-01T11:00:00Z', { traceback: `File "/srv/app/m${i}.py", line 1, in f\n` });
    const page = await list('?limit=25');
    expect(page.errors).toHaveLength(25);
    for (const e of page.errors) expect(e.trend).toEqual([...Array(22).fill(0), 1, 0]);
    expect((await list('?project=none')).errors).toEqual([]);
  });
});
