// Opens the SQLite file with the pragmas the service relies on.
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';

export type Db = Database.Database;

export function openDatabase(path: string): Db {
  const inMemory = path === ':memory:' || path === '';
  if (!inMemory) mkdirSync(dirname(path), { recursive: true });
  const db = new Database(path);
  // Must precede the first table: lets retention give freed pages back (PRAGMA incremental_vacuum).
  db.pragma('auto_vacuum = INCREMENTAL');
  if (!inMemory) db.pragma('journal_mode = WAL');
  // FULL: a report acknowledged to a client survives power loss, not only a process crash.
  // Group commit (sqlite-store.ts) pays the fsync once per batch, not once per report.
  db.pragma('synchronous = FULL');
  db.pragma('foreign_keys = ON');
  // Concurrent writers (a second process, a backup tool) wait instead of failing with SQLITE_BUSY.
  db.pragma('busy_timeout = 5000');
  return db;
}
