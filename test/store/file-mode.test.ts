// The database and its -wal and -shm are readable by the service's user only (0600), like the key beside them.
import { chmodSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { migrate } from '../../src/store/sqlite/migrate.js';
import { openDatabase } from '../../src/store/sqlite/open-database.js';
import { SERVER_JS, startServer, type Running } from '../spawn-server.js';

let dir: string;
let running: Running | undefined;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'et-mode-'));
});
afterEach(async () => {
  if (running && running.child.exitCode === null) {
    running.child.kill('SIGKILL');
    await running.exited;
  }
  running = undefined;
  rmSync(dir, { recursive: true, force: true });
});

const mode = (path: string) => (statSync(path).mode & 0o777).toString(8);
const modes = (db: string) => ({ db: mode(db), wal: mode(`${db}-wal`), shm: mode(`${db}-shm`) });

describe('file modes', () => {
  it('a new database, its -wal and -shm are 0600 even under umask 000', () => {
    const path = join(dir, 'new', 'errors.db');
    const old = process.umask(0);
    try {
      const db = openDatabase(path);
      migrate(db);
      expect(modes(path)).toEqual({ db: '600', wal: '600', shm: '600' });
      db.close();
    } finally {
      process.umask(old);
    }
  });

  it('a database an earlier release left 0644 (and its -wal, -shm) is tightened at open, its data kept', () => {
    const path = join(dir, 'errors.db');
    const before = new Database(path);
    before.pragma('journal_mode = WAL');
    before.exec('CREATE TABLE kept (v); INSERT INTO kept VALUES (42)');
    for (const f of [path, `${path}-wal`, `${path}-shm`]) chmodSync(f, 0o644);
    const db = openDatabase(path);
    expect(modes(path)).toEqual({ db: '600', wal: '600', shm: '600' });
    expect(db.prepare('SELECT v FROM kept').pluck().get()).toBe(42);
    db.close();
    before.close();
  });

  it('the running service: data/errors.db, -wal and -shm 0600 beside the 0600 api-key', async () => {
    writeFileSync(join(dir, 'umask.mjs'), 'process.umask(0o022);\n');
    running = await startServer(dir, { DATABASE_PATH: './data/errors.db', RATE_LIMIT_PER_MINUTE: '0' }, { command: [process.execPath, '--import', join(dir, 'umask.mjs'), SERVER_JS] });
    const data = join(dir, 'data');
    expect(mode(join(data, 'api-key'))).toBe('600');
    expect(modes(join(data, 'errors.db'))).toEqual({ db: '600', wal: '600', shm: '600' });
  });
});
