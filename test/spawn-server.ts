// Spawns the real `node dist/server.js` for process-level tests, and waits until it answers /health.
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';

export const SERVER_JS = fileURLToPath(new URL('../dist/server.js', import.meta.url));

export interface Running {
  child: ChildProcess;
  url: string;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<number | null>;
}

export interface StartOptions {
  /** Instead of `node dist/server.js`, e.g. with a preload or inside a mount namespace. */
  command?: string[];
  /** How long to wait for /health (default 15 s); longer where the instance first waits for a database server. */
  readyTimeoutMs?: number;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });
}

/** Starts dist/server.js in `cwd` with only the given environment (plus PATH), and waits for /health. */
export async function startServer(cwd: string, env: Record<string, string> = {}, options: StartOptions = {}): Promise<Running> {
  const port = env.PORT ? Number(env.PORT) : await freePort();
  const [command, ...args] = options.command ?? [process.execPath, SERVER_JS];
  const child = spawn(command!, args, {
    cwd,
    env: { PATH: process.env.PATH ?? '', HOST: '127.0.0.1', PORT: String(port), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (err += d));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + (options.readyTimeoutMs ?? 15_000);
  for (;;) {
    if (child.exitCode !== null) break;
    try {
      if ((await fetch(`${url}/health`)).ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`server did not start:\n${out}\n${err}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return { child, url, stdout: () => out, stderr: () => err, exited };
}
