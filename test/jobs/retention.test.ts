// Retention: deletes by age on a controllable clock, trims hourly counts, runs on its interval, reuses freed pages.
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { retentionPolicy, startRetention } from '../../src/jobs/retention.js';
import type { PreparedReport } from '../../src/store/types.js';
import { auth, buildTestApp, postError, preparedReport, report, type TestApp } from '../helper.js';

let dir: string;
let t: TestApp;
beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'et-retention-'));
  t = await buildTestApp({}, join(dir, 'errors.db'));
});
afterEach(async () => {
  await t.close();
  rmSync(dir, { recursive: true, force: true });
});

const DAY = 24 * 60 * 60 * 1000;
const T0 = new Date('2026-01-01T12:00:00.000Z');
const at = (days: number) => new Date(T0.getTime() + days * DAY);

/** Posts one report of its own group at `when`; returns the group id. */
async function group(name: string, when: Date): Promise<number> {
  t.clock.now = when;
  const res = await postError(t.app, report({ message: name, fingerprint: [name] }));
  expect(res.statusCode).toBeLessThan(300);
  return res.json().id;
}

async function resolve(id: number, when: Date): Promise<void> {
  t.clock.now = when;
  expect((await t.app.inject({ method: 'POST', url: `/api/errors/${id}/resolve`, headers: auth })).statusCode).toBe(200);
}

const rows = (table: string, id: number) =>
  (t.db.prepare(`SELECT count(*) AS n FROM ${table} WHERE error_id = ?`).get(id) as { n: number }).n;
const groupExists = (id: number) => t.db.prepare('SELECT 1 FROM errors WHERE id = ?').get(id) !== undefined;

function job(retentionDays: number, intervalHours = 24) {
  return startRetention({ store: t.store, logger: t.app.log as never, retentionDays, intervalHours, now: () => new Date(t.clock.now) });
}

describe('retention by age', () => {
  it('deletes groups resolved more than RETENTION_DAYS ago, with their occurrences and counts, and logs how many', async () => {
    const old = await group('old', at(0));
    await resolve(old, at(1));
    const recent = await group('recent', at(0));
    await resolve(recent, at(50));
    const open = await group('open', at(0));
    expect(rows('error_occurrences', old)).toBe(1);
    expect(rows('error_hourly_counts', old)).toBe(1);

    t.clock.now = at(92); // old was resolved 91 days ago, recent 42
    const retention = job(90);
    const result = await retention.runOnce();
    await retention.stop();

    expect(result).toMatchObject({ groupsDeleted: 1 });
    expect(groupExists(old)).toBe(false);
    expect(rows('error_occurrences', old)).toBe(0);
    expect(rows('error_hourly_counts', old)).toBe(0);
    expect(groupExists(recent) && groupExists(open)).toBe(true);
    expect(rows('error_occurrences', recent)).toBe(1);
    expect(t.logs()).toMatch(/"groupsDeleted":1,.*retention cleanup deleted 1 resolved groups/);
  });

  it('keeps a group that was reopened, and everything when RETENTION_DAYS=0', async () => {
    const a = await group('a', at(0));
    await resolve(a, at(1));
    const b = await group('b', at(0));
    await resolve(b, at(1));
    await group('b', at(2)); // happens again: reopened
    t.clock.now = at(400);
    const keepAll = job(0);
    expect(await keepAll.runOnce()).toMatchObject({ groupsDeleted: 0 });
    await keepAll.stop();
    expect(groupExists(a) && groupExists(b)).toBe(true);

    const retention = job(90);
    expect(await retention.runOnce()).toMatchObject({ groupsDeleted: 1 });
    await retention.stop();
    expect(groupExists(a)).toBe(false);
    expect(groupExists(b)).toBe(true);
  });

  it('trims hourly counts older than 14 days for every group, resolved or not', async () => {
    const id = await group('busy', at(0));
    await group('busy', at(10));
    await group('busy', at(20));
    expect(rows('error_hourly_counts', id)).toBe(3);
    t.clock.now = at(20);
    const retention = job(0);
    expect(await retention.runOnce()).toMatchObject({ hourlyCountsDeleted: 1, groupsDeleted: 0 });
    await retention.stop();
    const hours = t.db.prepare('SELECT hour FROM error_hourly_counts WHERE error_id = ? ORDER BY hour').all(id);
    expect(hours).toEqual([{ hour: '2026-01-11T12:00:00Z' }, { hour: '2026-01-21T12:00:00Z' }]);
    expect((await t.app.inject({ method: 'GET', url: `/api/errors/${id}`, headers: auth })).json().error.count).toBe(3);
  });

  it('computes its cutoffs from the clock', () => {
    expect(retentionPolicy(new Date('2026-04-15T10:30:00.000Z'), 30)).toEqual({
      resolvedBefore: '2026-03-16T10:30:00.000Z',
      hourlyCountsBefore: '2026-04-01T10:00:00Z',
    });
    expect(retentionPolicy(new Date('2026-04-15T10:30:00.000Z'), 0).resolvedBefore).toBeNull();
  });
});

describe('schedule', () => {
  it('runs at start, then every RETENTION_INTERVAL_HOURS, and not after stop', async () => {
    const runs = () => t.logs().split('\n').filter((l) => l.includes('retention cleanup deleted')).length;
    const retention = job(90, 0.0002); // 0.72 s
    const deadline = Date.now() + 15_000;
    while (runs() < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(runs()).toBeGreaterThanOrEqual(3);
    await retention.stop();
    const after = runs();
    await new Promise((r) => setTimeout(r, 1500));
    expect(runs()).toBe(after);
  });
});

describe('batches', () => {
  it('lets ingestion through between batches instead of deleting everything in one go', async () => {
    const reports: Promise<unknown>[] = [];
    for (let i = 0; i < 600; i++) reports.push(t.store.ingest(prepared(`g${i}`)));
    await Promise.all(reports);
    t.db.prepare("UPDATE errors SET resolved = 1, resolved_at = '2025-01-01T00:00:00.000Z'").run();

    let cleanupDone = false;
    const cleanup = t.store.cleanup({ resolvedBefore: '2026-01-01T00:00:00.000Z', hourlyCountsBefore: '2025-01-01T00:00:00Z' }).then((r) => {
      cleanupDone = true;
      return r;
    });
    const ingested = await t.store.ingest(prepared('during-cleanup'));
    expect(cleanupDone).toBe(false);
    expect((await cleanup).groupsDeleted).toBe(600);
    expect(groupExists(ingested.id)).toBe(true);
  });

  it('stops between batches when aborted (shutdown)', async () => {
    await Promise.all(Array.from({ length: 600 }, (_, i) => t.store.ingest(prepared(`g${i}`))));
    t.db.prepare("UPDATE errors SET resolved = 1, resolved_at = '2025-01-01T00:00:00.000Z'").run();
    const abort = new AbortController();
    const cleanup = t.store.cleanup({ resolvedBefore: '2026-01-01T00:00:00.000Z', hourlyCountsBefore: '2025-01-01T00:00:00Z', signal: abort.signal });
    abort.abort();
    const { groupsDeleted } = await cleanup;
    expect(groupsDeleted).toBeGreaterThan(0);
    expect(groupsDeleted).toBeLessThan(600);
  });
});

describe('file size', () => {
  it('gives freed pages back and reuses them: insert, resolve, clean, insert again does not grow the file', async () => {
    const path = join(dir, 'errors.db');
    const fileSize = () => {
      t.db.pragma('wal_checkpoint(TRUNCATE)');
      return statSync(path).size;
    };
    const fill = async (tag: string) => {
      await Promise.all(Array.from({ length: 1500 }, (_, i) => t.store.ingest(prepared(`${tag}${i}`, 'x'.repeat(3000)))));
    };
    await fill('a');
    const full = fileSize();
    expect(full).toBeGreaterThan(4_000_000);

    t.clock.now = new Date('2026-06-01T00:00:00.000Z');
    const { errors } = await t.store.listErrors({ limit: 2000, offset: 0 });
    for (const e of errors) await t.store.setResolved(e.id, true);
    t.clock.now = new Date('2026-12-01T00:00:00.000Z');
    const retention = job(90);
    const result = await retention.runOnce();
    await retention.stop();
    expect(result!.groupsDeleted).toBe(1500);
    expect(result!.pagesFreed).toBeGreaterThan(0);
    const cleaned = fileSize();
    expect(cleaned).toBeLessThan(full / 4);

    await fill('b');
    expect(fileSize()).toBeLessThanOrEqual(full * 1.1);
    expect(t.db.pragma('integrity_check', { simple: true })).toBe('ok');
  });
});

function prepared(fingerprint: string, traceback = ''): PreparedReport {
  return preparedReport({ fingerprint, message: fingerprint, traceback, timestamp: '2026-05-01T00:00:00.000Z' });
}
