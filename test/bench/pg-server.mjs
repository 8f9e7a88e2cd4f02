// A PostgreSQL server for the bench: Debian's binaries, initdb into a temporary directory as an unprivileged user, a free port; durable settings as in production.
import { execFileSync, spawn } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const BIN = process.env.PG_BIN ?? ['17', '16', '15', '14', '13'].map((v) => `/usr/lib/postgresql/${v}/bin`).find((d) => existsSync(join(d, 'initdb')));
/** PostgreSQL refuses to run as root: as root it runs as nobody. */
const NOBODY = 65534;
const asServerUser = () => (process.getuid?.() === 0 ? ['setpriv', `--reuid=${NOBODY}`, `--regid=${NOBODY}`, '--clear-groups', '--'] : []);

/**
 * Starts a server on `port`; `psql(sql)` runs SQL as the superuser, `pids()` lists the postmaster and
 * its children (the backends and background workers, whose CPU the bench counts), `destroy()` stops
 * it and removes its directory. fsync stays on: the bench measures what a durable commit costs.
 */
export async function startPgServer(port) {
  if (!BIN) throw new Error('PostgreSQL is not installed (apt-get install postgresql), or set PG_BIN');
  const dir = mkdtempSync(join(tmpdir(), 'et-bench-pg-'));
  if (process.getuid?.() === 0) chownSync(dir, NOBODY, NOBODY);
  const data = join(dir, 'data');
  const run = (cmd) => {
    const [c, ...args] = [...asServerUser(), ...cmd];
    return execFileSync(c, args, { stdio: 'pipe' }).toString();
  };
  run([join(BIN, 'initdb'), '-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--locale=C.UTF-8']);
  // pg_stat_statements: the bench reads statement counts and times from it (round trips per batch).
  const conf = ['shared_buffers = 128MB', 'max_connections = 100', `unix_socket_directories = '${dir}'`, "shared_preload_libraries = 'pg_stat_statements'", 'pg_stat_statements.track_utility = on'];
  writeFileSync(join(data, 'postgresql.auto.conf'), `${conf.join('\n')}\n`);
  const [c, ...args] = [...asServerUser(), join(BIN, 'postgres'), '-D', data, '-p', String(port), '-c', 'listen_addresses=127.0.0.1'];
  const child = spawn(c, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  child.stderr.on('data', (d) => (log += d));
  const psql = (sql, db = 'postgres') => run([join(BIN, 'psql'), '-h', dir, '-p', String(port), '-U', 'postgres', '-d', db, '-XAtq', '-v', 'ON_ERROR_STOP=1', '-c', sql]);
  for (let i = 0; ; i++) {
    if (child.exitCode !== null) throw new Error(`postgres exited: ${log}`);
    try {
      psql('SELECT 1');
      break;
    } catch {
      if (i > 300) throw new Error(`postgres did not start: ${log}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  return {
    url: (db) => `postgres://postgres@127.0.0.1:${port}/${db}`,
    psql,
    /** The postmaster and every process it started. */
    pids() {
      const children = readdirSync('/proc')
        .filter((p) => /^\d+$/.test(p))
        .filter((p) => {
          try {
            return Number(readFileSync(`/proc/${p}/stat`, 'utf8').split(') ')[1].split(' ')[1]) === child.pid;
          } catch {
            return false; // gone meanwhile
          }
        })
        .map(Number);
      return [child.pid, ...children];
    },
    async destroy() {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGINT');
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
