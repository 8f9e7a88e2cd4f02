// Faults on PostgreSQL: synchronous_commit held on, and the server stopped (503, /ready fails, recovery without a restart).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { openPgStores } from '../../src/store/pg/index.js';
import { migratePg } from '../../src/store/pg/migrate.js';
import { openPool } from '../../src/store/pg/pool.js';
import { API_KEY, report } from '../helper.js';
import { startServer, type Running } from '../spawn-server.js';
import { createDatabase, startPostgres, type PostgresServer } from './postgres-server.js';

// A server of this file's own: it is stopped and restarted here.
let server: PostgresServer;
let dir: string;
/** Instances on a loaded machine open a pool and check the schema before they listen. */
const SLOW_START = { readyTimeoutMs: 60_000 };
const running: Running[] = [];

beforeAll(async () => {
  server = await startPostgres();
  dir = mkdtempSync(join(tmpdir(), 'etrk-faults-'));
}, 60_000);

afterAll(async () => {
  for (const r of running) if (r.child.exitCode === null) r.child.kill('SIGKILL');
  await server?.destroy();
  rmSync(dir, { recursive: true, force: true });
});

/** Migrated before the instances start, so that they are listening within startServer's wait on a loaded machine. */
async function migrated(url: string): Promise<void> {
  const pool = openPool(url, { max: 1 });
  await migratePg(pool);
  await pool.end();
}

const env = (url: string) => ({ DATABASE_URL: url, API_KEY, RATE_LIMIT_PER_MINUTE: '0', LOG_LEVEL: 'warn' });

async function post(base: string, type: string): Promise<number> {
  try {
    const res = await fetch(`${base}/api/errors`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': API_KEY },
      body: JSON.stringify(report({ project: 'faults', exception_type: type })),
      signal: AbortSignal.timeout(20_000),
    });
    await res.arrayBuffer();
    return res.status;
  } catch {
    return 0; // connection refused or reset: not acknowledged
  }
}

async function counts(base: string): Promise<Map<string, number>> {
  const res = await fetch(`${base}/api/errors?project=faults&limit=200`, { headers: { 'x-api-key': API_KEY } });
  const body = (await res.json()) as { errors: Array<{ exception_type: string; count: number }> };
  return new Map(body.errors.map((e) => [e.exception_type, e.count]));
}

async function until(what: string, check: () => Promise<boolean>, ms = 60_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

it('keeps synchronous_commit on for its sessions, whatever the database says', async () => {
  const url = await createDatabase(server.adminUrl);
  const admin = new pg.Client({ connectionString: server.adminUrl });
  await admin.connect();
  await admin.query(`ALTER DATABASE ${new URL(url).pathname.slice(1)} SET synchronous_commit = off`);
  await admin.end();
  const s = openPgStores(url, { max: 1 });
  try {
    expect((await s.pool.query<{ synchronous_commit: string }>('SHOW synchronous_commit')).rows[0]!.synchronous_commit).toBe('on');
  } finally {
    await s.pool.end();
  }
});

it('answers 503 to writes and fails /ready while PostgreSQL is down, and recovers by itself', { timeout: 180_000 }, async () => {
  const url = await createDatabase(server.adminUrl);
  await migrated(url);
  const app = await startServer(dir, env(url), SLOW_START);
  running.push(app);
  expect(await post(app.url, 'BeforeError')).toBe(201);
  expect((await fetch(`${app.url}/ready`)).status).toBe(200);

  await server.stop();
  const refused = await fetch(`${app.url}/api/errors`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-api-key': API_KEY },
    body: JSON.stringify(report({ project: 'faults', exception_type: 'DownError' })),
  });
  expect(refused.status).toBe(503);
  expect(await refused.json()).toMatchObject({ code: 'storage_unavailable' });
  const ready = await fetch(`${app.url}/ready`);
  expect(ready.status).toBe(503);
  expect(((await ready.json()) as { checks: { write: string } }).checks.write).toMatch(/failed/);

  await server.start();
  // The same process, not restarted: its pool connects again.
  await until('writes to work again', async () => (await post(app.url, 'AfterError')) === 201);
  expect((await fetch(`${app.url}/ready`)).status).toBe(200);
  const c = await counts(app.url);
  expect(c.get('BeforeError')).toBe(1);
  expect(c.get('AfterError')).toBeGreaterThanOrEqual(1);
  expect(c.has('DownError')).toBe(false);
  app.child.kill('SIGTERM');
  await app.exited;
});

// kill -9 of an instance and a PostgreSQL restart under load: multi-instance.test.ts, with three instances and the live stream.
