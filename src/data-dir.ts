// Start-up check that the data directory (database, generated key) can be written; otherwise one line saying why and how to fix it.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { userInfo } from 'node:os';

/** Undefined when dir exists or can be created, and a file can be written in it; else the one-line reason and fix. */
export function dataDirProblem(dir: string): string | undefined {
  const probe = `${dir}/.write-test-${process.pid}`;
  try {
    mkdirSync(dir, { recursive: true });
    writeFileSync(probe, '', { flag: 'wx' });
    rmSync(probe);
    return undefined;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
    const uid = process.getuid?.() ?? '?';
    const gid = process.getgid?.() ?? '?';
    let name = 'without a name';
    try {
      name = userInfo().username; // throws for a uid with no passwd entry (docker run --user 1234)
    } catch {
      // keep the fallback
    }
    const who = `user ${name} (uid ${uid}, gid ${gid})`;
    const fix =
      code === 'EACCES' || code === 'EPERM'
        ? `give it to that user (chown -R ${uid}:${gid} ${dir}; with Docker, the host directory mounted there), or run the service as the directory's owner (docker run --user <uid>:<gid>)`
        : code === 'EROFS'
          ? 'it is on a read-only file system: mount it read-write, or set DATABASE_PATH to a writable place'
          : code === 'ENOTDIR' || code === 'EEXIST'
            ? 'a part of the path is a file, not a directory: set DATABASE_PATH to a path under a directory'
            : 'set DATABASE_PATH to a directory this user can write';
    return `cannot write the data directory ${dir} as ${who}: ${code}. Fix: ${fix}`;
  }
}
