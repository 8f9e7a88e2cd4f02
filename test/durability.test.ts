// The real process under stress: SIGTERM and kill -9 mid-burst lose no acknowledged report, a held
// write lock is waited out, a full disk answers 503 and recovers, bad databases and crashes exit cleanly.
import { mkdirSync, mkdtempSync, openSync, rmSync, unlinkSync, writeFileSync, writeSync, closeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadMigrations, migrate } from '../src/store/sqlite/migrate.js';
import { openDatabase } from '../src/store/sqlite/open-database.js';
import { SERVER_JS, startServer, type Running } from './spawn-server.js';

const KEY = 'd'.repeat(40);
const ENV = { API_KEY: KEY, RATE_LIMIT_PER_MINUTE: '0', DATABASE_PATH: './data/errors.db' };

let dir: string;
let running: Running | undefined;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'et-durable-'));
});
afterEach(async () => {
  if (running && running.child.exitCode === null && running.child.signalCode === null) {
    running.child.kill('SIGKILL');
    await running.exited;
  }
  running = undefined;
  rmSync(dir, { recursive: true, force: true });
});

const post = (url: string, body: unknown) =>
  fetch(`${url}/api/errors`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-api-key': KEY },
    body: JSON.stringify(body),
  });

const unique = (tag: string, i: number) => ({ project: 'load', exception_type: 'BurstError', message: `${tag}-${i}`, fingerprint: [`${tag}-${i}`] });

/**
 * `workers` concurrent senders post unique reports until `total` are sent or the server stops answering;
 * `onAck` sees the running count of 200/201 replies. Returns the fingerprints the server acknowledged.
 */
async function burst(url: string, tag: string, total: number, workers: number, onAck: (acked: number) => void) {
  const acked: string[] = [];
  const statuses = new Map<number | string, number>();
  let next = 0;
  const worker = async () => {
    while (next < total) {
      const i = next++;
      try {
        const res = await post(url, unique(tag, i));
        statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
        if (res.status === 200 || res.status === 201) {
          acked.push(((await res.json()) as { fingerprint: string }).fingerprint);
          onAck(acked.length);
        } else {
          await res.arrayBuffer();
        }
      } catch {
        statuses.set('network', (statuses.get('network') ?? 0) + 1);
        return; // the server is gone: this sender stops
      }
    }
  };
  await Promise.all(Array.from({ length: workers }, worker));
  return { acked, statuses };
}

/** Opens the database file as a fresh reader would after the process is gone. */
function inspect(path: string): { fingerprints: Set<string>; integrity: unknown } {
  const db = new Database(path);
  try {
    const fingerprints = new Set(db.prepare<[], { fingerprint: string }>("SELECT fingerprint FROM errors WHERE project = 'load'").all().map((r) => r.fingerprint));
    return { fingerprints, integrity: db.pragma('integrity_check', { simple: true }) };
  } finally {
    db.close();
  }
}

describe('nothing acknowledged is lost', () => {
  it('kill -9 in the middle of hundreds of concurrent posts: after a restart every acknowledged report is there, integrity ok', async () => {
    running = await startServer(dir, ENV);
    const victim = running;
    let killed = false;
    const { acked, statuses } = await burst(victim.url, 'k9', 1500, 64, (n) => {
      if (n >= 300 && !killed) {
        killed = true;
        victim.child.kill('SIGKILL');
      }
    });
    expect(await victim.exited).toBeNull(); // died by signal
    expect(killed).toBe(true);
    expect(acked.length).toBeGreaterThanOrEqual(300);
    expect(statuses.get('network')).toBeGreaterThan(0); // the kill really came mid-burst
    expect(statuses.has(500)).toBe(false);

    running = await startServer(dir, ENV); // recovers the WAL and serves again
    const list = (await (await fetch(`${running.url}/api/errors?project=load&limit=1`, { headers: { 'x-api-key': KEY } })).json()) as { total: number };
    expect(list.total).toBeGreaterThanOrEqual(acked.length);
    running.child.kill('SIGTERM');
    expect(await running.exited).toBe(0);

    const { fingerprints, integrity } = inspect(join(dir, 'data', 'errors.db'));
    expect(integrity).toBe('ok');
    expect(acked.filter((f) => !fingerprints.has(f))).toEqual([]);
  }, 90_000);

  it('SIGTERM during a burst: in-flight requests finish, exit 0, every acknowledged report is on disk', async () => {
    running = await startServer(dir, ENV);
    const target = running;
    let signalled = false;
    const { acked, statuses } = await burst(target.url, 'term', 1500, 64, (n) => {
      if (n >= 300 && !signalled) {
        signalled = true;
        target.child.kill('SIGTERM');
      }
    });
    expect(await target.exited).toBe(0);
    expect(signalled).toBe(true);
    expect(statuses.has(500)).toBe(false);
    expect(target.stdout()).toContain('"clean":true');

    const { fingerprints, integrity } = inspect(join(dir, 'data', 'errors.db'));
    expect(integrity).toBe('ok');
    expect(acked.length).toBeGreaterThanOrEqual(300);
    expect(acked.filter((f) => !fingerprints.has(f))).toEqual([]);
  }, 90_000);

  it('waits out another connection holding the write lock instead of answering SQLITE_BUSY', async () => {
    running = await startServer(dir, ENV);
    expect((await post(running.url, unique('lock', 0))).status).toBe(201); // the project is known: the next write starts with a read
    const other = new Database(join(dir, 'data', 'errors.db'));
    other.exec('BEGIN IMMEDIATE');
    other.prepare("UPDATE projects SET created_at = created_at WHERE name = 'load'").run();
    const release = setTimeout(() => other.exec('COMMIT'), 1000);
    try {
      const results = await Promise.all([1, 2, 3].map((i) => post(running!.url, unique('lock', i))));
      expect(results.map((r) => r.status)).toEqual([201, 201, 201]);
    } finally {
      clearTimeout(release);
      if (other.inTransaction) other.exec('COMMIT');
      other.close();
    }
  });
});

describe('a full disk', () => {
  it('answers 503 on ingest and /ready while the disk is full, and recovers by itself when space returns', async () => {
    // A real, tiny file system: a 6 MB tmpfs in a private mount namespace, seen from here through /proc/<pid>/root.
    const mnt = join(dir, 'mnt');
    mkdirSync(mnt);
    running = await startServer(dir, { ...ENV, DATABASE_PATH: join(mnt, 'errors.db'), MIN_FREE_DISK_MB: '1' }, {
      command: ['unshare', '-r', '-m', 'sh', '-c', 'mount -t tmpfs -o size=6m tmpfs "$1" && exec "$2" "$3"', 'sh', mnt, process.execPath, SERVER_JS],
    });
    expect((await fetch(`${running.url}/ready`)).status).toBe(200);
    const big = (i: number) => ({ ...unique('full', i), traceback: `Error: full\n${'    at f (/srv/a.js:1:1)\n'.repeat(4000)}` });
    expect((await post(running.url, big(0))).status).toBe(201);

    const filler = join('/proc', String(running.child.pid), 'root', mnt, 'filler');
    const fd = openSync(filler, 'w');
    try {
      const chunk = Buffer.alloc(64 * 1024, 1);
      for (let i = 0; i < 200; i++) writeSync(fd, chunk); // 12.5 MB > 6 MB: ends in ENOSPC
      throw new Error('the tmpfs never filled up');
    } catch (err) {
      expect((err as NodeJS.ErrnoException).code).toBe('ENOSPC');
    } finally {
      closeSync(fd);
    }

    const statuses = [];
    for (let i = 1; i <= 5; i++) statuses.push((await post(running.url, big(i))).status);
    expect(statuses).toContain(503);
    expect(statuses).not.toContain(500);
    const notReady = await fetch(`${running.url}/ready`);
    expect(notReady.status).toBe(503);
    expect(((await notReady.json()) as { checks: { disk: string } }).checks.disk).toMatch(/MB free, below MIN_FREE_DISK_MB=1/);

    unlinkSync(filler);
    expect((await post(running.url, big(100))).status).toBe(201);
    expect((await fetch(`${running.url}/ready`)).status).toBe(200);
    running.child.kill('SIGTERM');
    expect(await running.exited).toBe(0);
  }, 60_000);
});

describe('starting on an existing database', () => {
  it('migrates a database of a previous version and keeps its data', async () => {
    mkdirSync(join(dir, 'data'));
    const db = openDatabase(join(dir, 'data', 'errors.db'));
    migrate(db, loadMigrations().slice(0, 1));
    // Rows as release 1 wrote them: plain SQL, since today's store expects today's schema.
    db.prepare("INSERT INTO projects (name, ingest_key, created_at) VALUES ('legacy', ?, '2026-01-01T00:00:00.000Z')").run('a'.repeat(32));
    db.prepare(
      `INSERT INTO errors (fingerprint, project, exception_type, message, source, first_seen, last_seen)
       VALUES ('old', 'legacy', 'E', 'from v1', 'server', '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z')`,
    ).run();
    db.close();

    running = await startServer(dir, ENV);
    const list = (await (await fetch(`${running.url}/api/errors?project=legacy`, { headers: { 'x-api-key': KEY } })).json()) as { errors: { message: string }[] };
    expect(list.errors.map((e) => e.message)).toEqual(['from v1']);
    running.child.kill('SIGTERM');
    expect(await running.exited).toBe(0);
    const again = new Database(join(dir, 'data', 'errors.db'));
    expect(again.pragma('user_version', { simple: true })).toBe(loadMigrations().length);
    again.close();
  });

  it('refuses a schema newer than it knows, with a clear message and no stack trace', async () => {
    mkdirSync(join(dir, 'data'));
    const db = openDatabase(join(dir, 'data', 'errors.db'));
    migrate(db);
    db.pragma(`user_version = ${loadMigrations().length + 1}`);
    db.close();
    running = await startServer(dir, ENV);
    expect(await running.exited).toBe(1);
    expect(running.stdout()).toContain('written by a newer release');
    expect(running.stdout() + running.stderr()).not.toMatch(/\n\s+at /);
  });

  it('exits with a clear message when DATABASE_PATH cannot be created', async () => {
    writeFileSync(join(dir, 'plain-file'), 'x');
    running = await startServer(dir, { ...ENV, DATABASE_PATH: join(dir, 'plain-file', 'errors.db') });
    expect(await running.exited).toBe(1);
    expect(running.stdout()).toMatch(/cannot write the data directory [^"]*plain-file[^"]*: (ENOTDIR|EEXIST)/);
    expect(running.stdout() + running.stderr()).not.toMatch(/\n\s+at /);
  });

  it('exits with a clear message when the database sits on a read-only mount', async () => {
    const data = join(dir, 'data');
    mkdirSync(data);
    const db = openDatabase(join(data, 'errors.db'));
    migrate(db);
    db.close();
    running = await startServer(dir, ENV, {
      command: ['unshare', '-r', '-m', 'sh', '-c', 'mount --bind "$1" "$1" && mount -o remount,bind,ro "$1" && exec "$2" "$3"', 'sh', data, process.execPath, SERVER_JS],
    });
    expect(await running.exited).toBe(1);
    expect(running.stdout()).toMatch(/"msg":"(the database is not writable|cannot open the database|cannot write the data directory [^"]*: EROFS)/);
    expect(running.stdout() + running.stderr()).not.toMatch(/\n\s+at /);
  });
});

describe('crashes inside the service', () => {
  // Throws from inside the running service on SIGUSR2, as a bug in a handler or timer would.
  const PRELOAD = `process.on('SIGUSR2', () => {
    if (process.env.CRASH_KIND === 'rejection') Promise.reject(new RangeError('test rejection'));
    else throw new TypeError('test crash in the service');
  });\n`;

  async function crash(env: Record<string, string>) {
    writeFileSync(join(dir, 'crash.mjs'), PRELOAD);
    running = await startServer(dir, { ...ENV, ...env }, { command: [process.execPath, '--import', join(dir, 'crash.mjs'), SERVER_JS] });
    running.child.kill('SIGUSR2');
    expect(await running.exited).toBe(1);
    return running.stdout();
  }

  const selfReported = async () => {
    running = await startServer(dir, ENV);
    const res = await fetch(`${running.url}/api/errors?project=error-tracker`, { headers: { 'x-api-key': KEY } });
    return ((await res.json()) as { errors: { exception_type: string; message: string }[] }).errors;
  };

  it('logs an uncaught exception, reports it to itself as project error-tracker (SELF_REPORT=true) and exits 1', async () => {
    const out = await crash({ SELF_REPORT: 'true' });
    expect(out).toMatch(/"level":"fatal".*"kind":"uncaughtException".*crashed; exiting/);
    expect(out).toContain('test crash in the service');
    expect(await selfReported()).toMatchObject([{ exception_type: 'TypeError', message: 'test crash in the service' }]);
  });

  it('logs an unhandled rejection and exits 1; without SELF_REPORT nothing is recorded', async () => {
    const out = await crash({ CRASH_KIND: 'rejection' });
    expect(out).toMatch(/"kind":"unhandledRejection"/);
    expect(out).toContain('test rejection');
    expect(await selfReported()).toEqual([]);
  });
});
