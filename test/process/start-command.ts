// The README's top commands as printed, and a throwaway copy of the project to run them in (process tests).
import { spawn, type ChildProcess } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** The first code block of README.md: `install && start`, then the test command; comments dropped. */
export function readmeTopCommands(): { install: string[]; start: string[]; test: string[] } {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const block = /```sh\n([\s\S]*?)```/.exec(readme)![1]!;
  const lines = block
    .split('\n')
    .map((l) => l.replace(/#.*$/, '').trim())
    .filter(Boolean);
  const [install, start] = lines[0]!.split('&&').map((c) => c.trim().split(/\s+/));
  return { install: install!, start: start!, test: lines[1]!.split(/\s+/) };
}

/** A copy of what a clone holds (no dist/), with the worktree's installed node_modules linked in. */
export function copyProject(): string {
  const dir = mkdtempSync(join(tmpdir(), 'et-project-'));
  for (const entry of ['src', 'migrations', 'web', 'package.json', 'package-lock.json', 'tsconfig.json', 'tsconfig.build.json']) {
    cpSync(join(ROOT, entry), join(dir, entry), { recursive: true });
  }
  symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir');
  return dir;
}

/** Only what a shell would pass, with this test's node first on PATH (npm and the service use it too). */
export function cleanEnv(extra: Record<string, string>): Record<string, string> {
  return {
    PATH: `${dirname(process.execPath)}:${process.env.PATH ?? ''}`,
    HOME: process.env.HOME ?? tmpdir(),
    ...extra,
  };
}

export interface Spawned {
  child: ChildProcess;
  output: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Runs argv in cwd; `group` puts it in a process group of its own, as a shell does with a job. */
export function run(argv: string[], cwd: string, env: Record<string, string>, group = false): Spawned {
  const child = spawn(argv[0]!, argv.slice(1), { cwd, env, detached: group, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  return { child, output: () => out, exited };
}

/** Processes whose working directory is dir: the service and anything else the start command left behind. */
export function processesIn(dir: string): number[] {
  const pids: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      if (readlinkSync(`/proc/${name}/cwd`) === dir) pids.push(Number(name));
    } catch {
      // gone meanwhile, or not ours to read
    }
  }
  return pids;
}

export async function answers(url: string): Promise<boolean> {
  try {
    return (await fetch(`${url}/health`, { signal: AbortSignal.timeout(2000) })).ok;
  } catch {
    return false;
  }
}

/** Polls until check() holds or the deadline passes (a loaded machine is slow, so the deadline is wide). */
export async function until(check: () => boolean | Promise<boolean>, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  for (;;) {
    if (await check()) return true;
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 100));
  }
}
