// /health and /ready through app.inject: each readiness check failing on its own, and recovery.
import { mkdtempSync, rmSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildTestApp, postError, report, type TestApp } from '../helper.js';

let dir: string;
let t: TestApp | undefined;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'et-ready-'));
});
afterEach(async () => {
  await t?.close();
  t = undefined;
  rmSync(dir, { recursive: true, force: true });
});

const ready = () => t!.app.inject({ method: 'GET', url: '/ready' });

describe('GET /health', () => {
  it('answers without a key', async () => {
    t = await buildTestApp({}, join(dir, 'e.db'));
    const res = await t.app.inject({ method: 'GET', url: '/health' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ status: 'ok' });
  });
});

describe('GET /ready', () => {
  it('is ready, without a key, when the file is there, takes a write and has disk space', async () => {
    t = await buildTestApp({}, join(dir, 'e.db'));
    const res = await ready();
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ status: 'ready', checks: { database_file: 'ok', write: 'ok', disk: 'ok' } });
  });

  it('fails, naming database_file, when the database file is gone', async () => {
    const path = join(dir, 'e.db');
    t = await buildTestApp({}, path);
    unlinkSync(path);
    const res = await ready();
    expect(res.statusCode).toBe(503);
    expect(res.json()).toMatchObject({ status: 'not_ready', code: 'not_ready', error: 'Not ready: database_file, write failed' });
    // A write would go into the removed file: refused (test/store/file-moved.test.ts).
    expect(res.json().checks).toMatchObject({ database_file: expect.stringContaining('no longer exists'), write: 'a test write failed (SQLITE_READONLY_DBMOVED)', disk: 'ok' });
  });

  it('fails, naming write, while the database is read-only; ingest answers 503; both recover', async () => {
    t = await buildTestApp({}, join(dir, 'e.db'));
    // SQLite's own read-only switch: every write fails with SQLITE_READONLY, as on a read-only mount.
    t.db.pragma('query_only = ON');
    const res = await ready();
    expect(res.statusCode).toBe(503);
    expect(res.json().checks).toMatchObject({ database_file: 'ok', write: 'a test write failed (SQLITE_READONLY)', disk: 'ok' });
    const post = await postError(t.app, report());
    expect(post.statusCode).toBe(503);
    expect(post.json()).toMatchObject({ code: 'storage_unavailable' });

    t.db.pragma('query_only = OFF');
    expect((await ready()).statusCode).toBe(200);
    expect((await postError(t.app, report())).statusCode).toBe(201);
  });

  it('fails, naming disk, below MIN_FREE_DISK_MB', async () => {
    t = await buildTestApp({ MIN_FREE_DISK_MB: '9000000' }, join(dir, 'e.db'));
    const res = await ready();
    expect(res.statusCode).toBe(503);
    expect(res.json().checks.disk).toMatch(/^\d+ MB free, below MIN_FREE_DISK_MB=9000000$/);
    expect(res.json().error).toBe('Not ready: disk failed');
  });

  it('answers 503 with SQLITE_FULL when the database cannot grow, and recovers by itself', async () => {
    t = await buildTestApp({}, join(dir, 'e.db'));
    const pages = t.db.pragma('page_count', { simple: true }) as number;
    // The database's size cap, the same SQLITE_FULL a full disk gives (the process test fills a real one).
    t.db.pragma(`max_page_count = ${pages}`);
    const big = report({ traceback: 'x'.repeat(50_000), fingerprint: ['big'] });
    const full = await postError(t.app, big);
    expect(full.statusCode).toBe(503);
    expect(full.json()).toEqual({ error: 'The database cannot accept writes right now; retry later', code: 'storage_unavailable' });
    t.db.pragma('max_page_count = 1073741823');
    expect((await postError(t.app, big)).statusCode).toBe(201);
    expect(t.db.pragma('integrity_check', { simple: true })).toBe('ok');
  });
});
