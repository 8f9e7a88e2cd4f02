// Faults on PostgreSQL: the server stopped (503, /ready fails, recovery without a restart), kill -9 of an instance and a server restart under load (nothing acknowledged lost).
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

it('loses nothing acknowledged through kill -9 of an instance and a PostgreSQL restart under load', { timeout: 240_000 }, async () => {
  const url = await createDatabase(server.adminUrl);
  await migrated(url);
  const [a, b] = await Promise.all([startServer(dir, env(url), SLOW_START), startServer(dir, env(url), SLOW_START)]);
  running.push(a!, b!);
  const acked = new Map<string, number>();
  let sent = 0;
  const TOTAL = 900;
  let phase = 0;
  // Writers on both instances; after a third, B is killed; after two thirds, PostgreSQL restarts.
  const load = Promise.all(
    Array.from({ length: 16 }, async (_, w) => {
      while (sent < TOTAL) {
        const i = sent++;
        const type = `Load${i % 30}Error`;
        const status = await post((w % 2 ? b! : a!).url, type);
        if (status === 201 || status === 200) acked.set(type, (acked.get(type) ?? 0) + 1);
      }
    }),
  );
  const faults = (async () => {
    await until('a third of the load', async () => sent >= TOTAL / 3, 120_000);
    b!.child.kill('SIGKILL');
    phase = 1;
    await until('two thirds of the load', async () => sent >= (2 * TOTAL) / 3, 120_000);
    await server.stop();
    await new Promise((r) => setTimeout(r, 500));
    await server.start();
    phase = 2;
  })();
  await Promise.all([load, faults]);
  expect(phase).toBe(2);
  await until('A to write again', async () => [200, 201].includes(await post(a!.url, 'ProbeError')));
  // Never crashed: the same process took reports before and after the restart.
  expect(a!.child.exitCode).toBeNull();
  const stored = await counts(a!.url);
  const missing = [...acked].filter(([type, n]) => (stored.get(type) ?? 0) < n);
  expect(missing).toEqual([]);
  expect([...acked.values()].reduce((x, y) => x + y, 0)).toBeGreaterThan(TOTAL / 3);
  a!.child.kill('SIGTERM');
  await a!.exited;
});
