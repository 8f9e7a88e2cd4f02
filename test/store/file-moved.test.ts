// A database file removed or replaced under the running store: writes are refused (503), /ready fails,
// and a removed -wal's commits are copied into the file before anything more is refused.
import { copyFileSync, mkdtempSync, renameSync, rmSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { watchFileIdentity } from '../../src/store/sqlite/file-identity.js';
import { auth, buildTestApp, postError, preparedReport, report, type TestApp } from '../helper.js';

let dir: string;
let path: string;
let t: TestApp | undefined;
beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'et-moved-'));
  path = join(dir, 'errors.db');
  t = await buildTestApp({}, path);
});
afterEach(async () => {
  await t?.close();
  t = undefined;
  rmSync(dir, { recursive: true, force: true });
});

const messagesIn = (file: string): string[] => {
  const db = new Database(file, { readonly: true });
  try {
    return db.prepare<[], { message: string }>('SELECT message FROM errors ORDER BY id').all().map((r) => r.message);
  } finally {
    db.close();
  }
};

/** What an operator might do to the files under the running service. */
const mishaps: Array<[string, () => void]> = [
  ['the file is removed', () => unlinkSync(path)],
  ['the file and its -wal and -shm are removed (rm data/*)', () => ['', '-wal', '-shm'].forEach((s) => unlinkSync(path + s))],
  ['another file is moved over it (a backup restored)', () => {
    copyFileSync(path, join(dir, 'backup.db'));
    renameSync(join(dir, 'backup.db'), path);
  }],
  ['the -wal alone is removed', () => unlinkSync(`${path}-wal`)],
];

describe('a database file removed or replaced under the running service', () => {
  it.each(mishaps)('%s: ingest answers 503 storage_unavailable, /ready fails, resolving and projects too', async (_name, mishap) => {
    expect((await postError(t!.app, report({ message: 'before' }))).statusCode).toBe(201);
    mishap();
    for (const res of [
      await postError(t!.app, report({ message: 'after' })),
      await t!.app.inject({ method: 'POST', url: '/api/errors/1/resolve', headers: auth }),
      await t!.app.inject({ method: 'POST', url: '/api/projects', headers: auth, payload: { name: 'blog' } }),
      await t!.app.inject({ method: 'POST', url: '/api/projects/shop/rotate-key', headers: auth }),
    ]) {
      expect(res.statusCode, res.body).toBe(503);
      expect(res.json().code).toBe('storage_unavailable');
    }
    const ready = await t!.app.inject({ url: '/ready' });
    expect(ready.statusCode).toBe(503);
    expect(ready.json().checks.write).toMatch(/SQLITE_READONLY_DBMOVED/);
    // Reads still answer from what is open.
    expect((await t!.app.inject({ url: '/api/errors', headers: auth })).statusCode).toBe(200);
  });

  it('a removed -wal: what was acknowledged before is copied into the file, nothing after is acknowledged', async () => {
    for (let i = 0; i < 20; i++) expect((await postError(t!.app, report({ exception_type: `E${i}`, message: `acked ${i}` }))).statusCode).toBe(201);
    unlinkSync(`${path}-wal`);
    expect((await postError(t!.app, report({ message: 'refused' }))).statusCode).toBe(503);
    // As after kill -9: the file alone, read by another connection, without the service closing anything.
    // (The refused one may be there too: refused is not acknowledged, and a retry only adds to a count.)
    expect(messagesIn(path).slice(0, 20)).toEqual(Array.from({ length: 20 }, (_, i) => `acked ${i}`));
  });

  it('every report of a group commit in flight when the file goes is refused, none acknowledged', async () => {
    await t!.store.ingest(preparedReport({ fingerprint: 'a'.repeat(32) }));
    const pending = Array.from({ length: 50 }, (_, i) => t!.store.ingest(preparedReport({ fingerprint: String(i).padStart(32, '0') })));
    unlinkSync(path); // before the queued commit runs
    const settled = await Promise.allSettled(pending);
    expect(settled.map((s) => s.status)).toEqual(Array(50).fill('rejected'));
    expect(settled.map((s) => (s as PromiseRejectedResult).reason.code)).toEqual(Array(50).fill('SQLITE_READONLY_DBMOVED'));
  });

  it('left alone, the file is found intact: checkpoints and a restart change nothing', async () => {
    for (let i = 0; i < 5; i++) expect((await postError(t!.app, report({ exception_type: `E${i}` }))).statusCode).toBe(201);
    t!.db.pragma('wal_checkpoint(TRUNCATE)');
    expect((await postError(t!.app, report({ exception_type: 'E5' }))).statusCode).toBe(201);
    expect((await t!.app.inject({ url: '/ready' })).statusCode).toBe(200);
    await t!.close();
    t = await buildTestApp({}, path);
    expect((await postError(t.app, report({ exception_type: 'E6' }))).statusCode).toBe(201);
    expect(messagesIn(path)).toHaveLength(7);
  });
});

describe('watchFileIdentity', () => {
  it('names what happened, and adopts a -wal that appears after it started watching', () => {
    const file = join(dir, 'plain.db');
    const db = new Database(file);
    db.pragma('journal_mode = WAL');
    const watch = watchFileIdentity(file);
    expect(watch.check()).toBeNull(); // no -wal yet
    db.exec('CREATE TABLE x (a)');
    expect(watch.check()).toBeNull(); // the -wal appeared: adopted
    unlinkSync(`${file}-wal`);
    expect(watch.check()).toBe('wal removed');
    copyFileSync(file, join(dir, 'copy.db'));
    renameSync(join(dir, 'copy.db'), file);
    expect(watch.check()).toBe('file replaced');
    unlinkSync(file);
    expect(watch.check()).toBe('file removed');
    db.close();
  });
});
