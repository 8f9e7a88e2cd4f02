// The real process on a data directory its user cannot write (Docker's root-owned bind mount): one clear line, exit 1.
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { freePort, SERVER_JS } from '../spawn-server.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'et-datadir-'));
  chmodSync(dir, 0o755); // others may enter, as into a host directory mounted at /data
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

// A directory without write permission, as the image's unprivileged user meets a root-owned mount.
// Tests run as root here, and root writes anywhere: the service then runs without the capabilities
// that override file permissions (setpriv, util-linux). Not as another uid: the Node binary and the
// checkout may sit under a directory only root can enter (/root), as they do in CI.
const asRoot = process.getuid?.() === 0;
const DROP = '-dac_override,-dac_read_search,-fowner';
const [command, args] = asRoot
  ? ['setpriv', [`--inh-caps=${DROP}`, `--bounding-set=${DROP}`, '--', process.execPath, SERVER_JS]]
  : [process.execPath, [SERVER_JS]];

function startAs(env: Record<string, string>): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(command, args, {
      cwd: dir,
      env: { PATH: process.env.PATH ?? '', HOST: '127.0.0.1', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.on('exit', (code) => resolve({ code, out }));
  });
}

describe('a data directory the service cannot write', () => {
  it('stops at start with one line naming the directory, the user and the fix', async () => {
    const data = join(dir, 'data');
    mkdirSync(data);
    chmodSync(data, 0o555);
    // No API_KEY: the first thing written would be the generated key, as in `docker run` without -e API_KEY.
    const { code, out } = await startAs({ PORT: String(await freePort()), DATABASE_PATH: join(data, 'errors.db') });
    expect(code).toBe(1);
    const lines = out.split('\n').filter((l) => l.includes(data));
    expect(lines).toHaveLength(1);
    const line = JSON.parse(lines[0]!) as { level: unknown; msg: string };
    const uid = process.getuid!();
    expect(line.msg).toContain(`cannot write the data directory ${data} as user`);
    expect(line.msg).toContain(`uid ${uid}`);
    expect(line.msg).toContain('EACCES');
    expect(line.msg).toContain(`chown -R ${uid}:`);
    expect(line.msg).toContain('--user');
    expect(out).not.toMatch(/\n\s+at /); // no stack trace
    expect(readdirSync(data)).toEqual([]); // nothing half-written
  });

  it('says so when a part of the path is a file', async () => {
    const file = join(dir, 'plain-file');
    writeFileSync(file, 'x');
    const { code, out } = await startAs({ PORT: String(await freePort()), DATABASE_PATH: join(file, 'errors.db'), API_KEY: 'k'.repeat(32) });
    expect(code).toBe(1);
    expect(out).toMatch(/cannot write the data directory [^"]*plain-file as user [^"]*: (ENOTDIR|EEXIST)\. Fix: a part of the path is a file/);
    expect(existsSync(join(dir, 'data'))).toBe(false);
  });
});
