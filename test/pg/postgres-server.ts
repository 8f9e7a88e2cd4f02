// A real PostgreSQL server for the tests: Debian's binaries, initdb into a temporary directory as an unprivileged user, a free port.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { freePort } from '../spawn-server.js';

/** Debian's postgresql package; PG_BIN overrides it (another version, another distribution). */
const BIN = process.env.PG_BIN ?? ['/usr/lib/postgresql/17/bin', '/usr/lib/postgresql/16/bin', '/usr/lib/postgresql/15/bin', '/usr/lib/postgresql/13/bin'].find((d) => existsSync(join(d, 'initdb')));
/** PostgreSQL refuses to run as root: as root the server runs as nobody. */
const NOBODY = 65534;

export interface PostgresServer {
  /** A superuser URL of the server's `postgres` database. */
  adminUrl: string;
  port: number;
  /** Starts the server again on the same directory and port (after stop or kill). */
  start(): Promise<void>;
  /** A fast shutdown (clients disconnected, nothing committed lost). */
  stop(): Promise<void>;
  /** Stops it and removes its directory. */
  destroy(): Promise<void>;
}

function asServerUser(): string[] {
  return process.getuid?.() === 0 ? ['setpriv', `--reuid=${NOBODY}`, `--regid=${NOBODY}`, '--clear-groups', '--'] : [];
}

function run(cmd: string[]): void {
  const [c, ...args] = [...asServerUser(), ...cmd];
  execFileSync(c!, args, { stdio: 'pipe' });
}

export async function startPostgres(): Promise<PostgresServer> {
  if (!BIN) throw new Error('PostgreSQL is not installed (apt-get install postgresql), or set PG_BIN');
  const dir = mkdtempSync(join(tmpdir(), 'etrk-pg-'));
  if (process.getuid?.() === 0) chownSync(dir, NOBODY, NOBODY);
  const data = join(dir, 'data');
  run([join(BIN, 'initdb'), '-D', data, '-U', 'postgres', '--auth=trust', '--no-sync', '-E', 'UTF8', '--locale=C.UTF-8']);
  // Small and quick for tests; fsync off only spares the disk: acknowledged-means-committed is about
  // the server's process, and synchronous_commit stays on (the store sets it per session as well).
  writeFileSync(join(data, 'postgresql.auto.conf'), ['fsync = off', 'full_page_writes = off', 'shared_buffers = 64MB', 'max_connections = 200', `unix_socket_directories = '${dir}'`].join('\n') + '\n');
  const port = await freePort();
  let child: ChildProcess | null = null;

  async function start(): Promise<void> {
    const [c, ...args] = [...asServerUser(), join(BIN!, 'postgres'), '-D', data, '-p', String(port), '-c', 'listen_addresses=127.0.0.1'];
    const proc = spawn(c!, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let log = '';
    proc.stderr!.on('data', (d) => (log += d));
    child = proc;
    const deadline = Date.now() + 30_000;
    for (;;) {
      if (proc.exitCode !== null) throw new Error(`postgres exited: ${log}`);
      const client = new pg.Client({ connectionString: adminUrl });
      try {
        await client.connect();
        await client.end();
        return;
      } catch {
        await client.end().catch(() => {});
      }
      if (Date.now() > deadline) throw new Error(`postgres did not start: ${log}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  async function stop(): Promise<void> {
    const proc = child;
    child = null;
    if (!proc || proc.exitCode !== null) return;
    const exited = new Promise((r) => proc.once('exit', r));
    proc.kill('SIGINT'); // fast shutdown
    await exited;
  }

  const adminUrl = `postgres://postgres@127.0.0.1:${port}/postgres`;
  await start();
  return {
    adminUrl,
    port,
    start,
    stop,
    async destroy() {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

let counter = 0;

/** The migrated database the global setup leaves on the server, for createDatabase({ migrated: true }). */
export const MIGRATED_TEMPLATE = 'etrk_migrated';

/** A new database on the server, empty or a copy of the migrated template; its URL. */
export async function createDatabase(adminUrl: string, { migrated = false }: { migrated?: boolean } = {}): Promise<string> {
  const name = `t_${process.pid}_${Date.now().toString(36)}_${counter++}`;
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await client.query(`CREATE DATABASE ${name}${migrated ? ` TEMPLATE ${MIGRATED_TEMPLATE}` : ''}`);
  } finally {
    await client.end();
  }
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return url.toString();
}
