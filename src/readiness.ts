// Readiness: can this instance take reports right now (database file present, writable, disk space)?
import { existsSync, statfsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { Store } from './store/types.js';

export interface ReadinessDeps {
  store: Store;
  databasePath: string;
  minFreeDiskMb: number;
  /** A database server (PostgreSQL): no local file or disk to check; the write probe says it all. */
  remote?: boolean;
}

/** "ok", or why the check failed (no paths: /ready needs no key). */
export type CheckResult = 'ok' | string;

export interface Readiness {
  ready: boolean;
  checks: { database_file: CheckResult; write: CheckResult; disk: CheckResult };
}

const MB = 1024 * 1024;

export async function checkReadiness({ store, databasePath, minFreeDiskMb, remote = false }: ReadinessDeps): Promise<Readiness> {
  const inMemory = remote || databasePath === ':memory:' || databasePath === '';
  const checks: Readiness['checks'] = {
    // SQLite keeps writing into a deleted file through its open handle; a restart would then lose it all.
    database_file: inMemory || existsSync(databasePath) ? 'ok' : 'the database file no longer exists at DATABASE_PATH',
    write: await probe(store),
    disk: inMemory ? 'ok' : diskCheck(dirname(resolve(databasePath)), minFreeDiskMb),
  };
  return { ready: Object.values(checks).every((c) => c === 'ok'), checks };
}

async function probe(store: Store): Promise<CheckResult> {
  try {
    await store.probeWrite();
    return 'ok';
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    return `a test write failed${typeof code === 'string' ? ` (${code})` : ''}`;
  }
}

function diskCheck(dir: string, minFreeDiskMb: number): CheckResult {
  try {
    const fs = statfsSync(dir);
    const freeMb = Math.floor((fs.bavail * fs.bsize) / MB);
    return freeMb >= minFreeDiskMb ? 'ok' : `${freeMb} MB free, below MIN_FREE_DISK_MB=${minFreeDiskMb}`;
  } catch (err) {
    return `cannot read free space (${(err as NodeJS.ErrnoException).code ?? 'unknown error'})`;
  }
}
