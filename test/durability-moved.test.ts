// The real process, its database file removed or replaced mid-burst, then kill -9 and a restart: every report
// acknowledged is in the file the service opens next time; what could not be is refused with 503, never a 201.
import { copyFileSync, existsSync, mkdtempSync, renameSync, rmSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startServer, type Running } from './spawn-server.js';

const KEY = 'm'.repeat(40);
const ENV = { API_KEY: KEY, RATE_LIMIT_PER_MINUTE: '0', DATABASE_PATH: './data/errors.db' };

let dir: string;
let running: Running | undefined;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'et-moved-'));
});
afterEach(async () => {
  if (running && running.child.exitCode === null && running.child.signalCode === null) {
    running.child.kill('SIGKILL');
    await running.exited;
  }
  running = undefined;
  rmSync(dir, { recursive: true, force: true });
});

const dbPath = () => join(dir, 'data', 'errors.db');

interface Sent {
  fingerprint: string | null;
  status: number | 'network';
  /** Sent after the mishap was complete: its reply can only be a 201 if the report is in the file now at the path. */
  afterMishap: boolean;
}

/** `workers` senders post `total` unique reports; `mishap` runs once `at` have been acknowledged. */
async function burst(url: string, total: number, workers: number, at: number, mishap: () => void): Promise<Sent[]> {
  const sent: Sent[] = [];
  let acked = 0;
  let done = false;
  let next = 0;
  const worker = async () => {
    while (next < total) {
      const i = next++;
      const afterMishap = done;
      try {
        const res = await fetch(`${url}/api/errors`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-api-key': KEY },
          body: JSON.stringify({ project: 'load', exception_type: 'BurstError', message: `m-${i}`, fingerprint: [`moved-${i}`] }),
        });
        const body = (await res.json()) as { fingerprint?: string };
        sent.push({ fingerprint: res.status === 201 ? body.fingerprint! : null, status: res.status, afterMishap });
        if (res.status === 201 && ++acked === at) {
          mishap();
          done = true;
        }
      } catch {
        sent.push({ fingerprint: null, status: 'network', afterMishap });
        return;
      }
    }
  };
  await Promise.all(Array.from({ length: workers }, worker));
  return sent;
}

function fingerprintsIn(path: string): Set<string> {
  const db = new Database(path);
  try {
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    return new Set(db.prepare<[], { fingerprint: string }>("SELECT fingerprint FROM errors WHERE project = 'load'").all().map((r) => r.fingerprint));
  } finally {
    db.close();
  }
}

/** kill -9, then start again on whatever is at DATABASE_PATH now, then stop cleanly. */
async function crashAndRestart(): Promise<void> {
  running!.child.kill('SIGKILL');
  expect(await running!.exited).toBeNull();
  running = await startServer(dir, ENV);
  expect((await fetch(`${running.url}/ready`)).status).toBe(200);
  running.child.kill('SIGTERM');
  expect(await running.exited).toBe(0);
}

describe('the database file removed or replaced under the running process', () => {
  const cases: Array<[string, () => void, 'all' | 'after']> = [
    // The reports acknowledged before are gone with the file (the operator's act); none after may be.
    ['rm data/* (the file, its -wal and -shm)', () => ['', '-wal', '-shm'].forEach((s) => existsSync(dbPath() + s) && unlinkSync(dbPath() + s)), 'after'],
    // A restored backup: what was acknowledged since the copy lives only in the old file; none after may be.
    ['a copy moved over it (a backup restored)', () => {
      copyFileSync(dbPath(), join(dir, 'data', 'restore.db'));
      renameSync(join(dir, 'data', 'restore.db'), dbPath());
    }, 'after'],
    // The -wal alone: the file is still the one, so every report acknowledged, before or after, must survive.
    ['the -wal alone removed', () => unlinkSync(`${dbPath()}-wal`), 'all'],
  ];

  it.each(cases)('%s mid-burst, then kill -9: no acknowledged report is missing after the restart', async (_name, mishap, mustSurvive) => {
    running = await startServer(dir, ENV);
    const sent = await burst(running.url, 900, 32, 200, mishap);

    const after = sent.filter((s) => s.afterMishap);
    expect(after.length).toBeGreaterThan(100); // the mishap really came mid-burst
    expect(after.filter((s) => s.status === 201)).toEqual([]);
    expect(new Set(after.map((s) => s.status))).toEqual(new Set([503]));
    expect(sent.some((s) => s.status === 500 || s.status === 'network')).toBe(false);
    const ready = await fetch(`${running.url}/ready`);
    expect(ready.status).toBe(503);

    await crashAndRestart();
    const stored = fingerprintsIn(dbPath());
    const acked = sent.filter((s) => s.status === 201 && (mustSurvive === 'all' || s.afterMishap)).map((s) => s.fingerprint!);
    if (mustSurvive === 'all') expect(acked.length).toBeGreaterThanOrEqual(200);
    expect(acked.filter((f) => !stored.has(f))).toEqual([]);
  }, 120_000);
});
