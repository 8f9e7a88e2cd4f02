// Compiles src/ to dist/ with tsc when dist/ is missing or older than a source; otherwise returns at once (npm's prepare and prestart).
// Plain JavaScript, outside tsc's inputs: it must run before anything is compiled.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
/** Written after a successful build, dated when the build began: a file saved during the build is newer. */
const STAMP = join(root, 'dist', '.build-stamp');
const INPUTS = ['src', 'tsconfig.json', 'tsconfig.build.json', 'package.json'];

/** The newest file or directory under path (a directory's own time changes when a file is added or removed). */
function newest(path) {
  const stat = statSync(path);
  let found = { path, mtimeMs: stat.mtimeMs };
  if (stat.isDirectory()) {
    for (const name of readdirSync(path)) {
      const inner = newest(join(path, name));
      if (inner.mtimeMs > found.mtimeMs) found = inner;
    }
  }
  return found;
}

function staleReason() {
  if (!existsSync(STAMP) || !existsSync(join(root, 'dist', 'server.js'))) return 'dist/ is not built';
  const built = statSync(STAMP).mtimeMs;
  for (const input of INPUTS) {
    const path = join(root, input);
    if (!existsSync(path)) continue;
    const latest = newest(path);
    if (latest.mtimeMs > built) return `${relative(root, latest.path)} changed`;
  }
  return undefined;
}

const reason = staleReason();
if (reason !== undefined) {
  let tsc;
  try {
    // typescript's exports map hides bin/, so the binary is found next to its package.json.
    tsc = join(dirname(createRequire(join(root, 'package.json')).resolve('typescript/package.json')), 'bin', 'tsc');
  } catch {
    // An install without dev dependencies (npm ci --omit=dev) cannot compile; a built dist/ still runs.
    const built = existsSync(join(root, 'dist', 'server.js'));
    process.stderr.write(`error-tracker: ${reason}, and TypeScript is not installed (a dev dependency): run npm install${built ? '; starting the existing build' : ''}\n`);
    process.exit(built ? 0 : 1);
  }
  process.stderr.write(`error-tracker: building dist/ with tsc (${reason})\n`);
  const began = new Date();
  const child = spawn(process.execPath, [tsc, '-p', join(root, 'tsconfig.build.json')], { cwd: root, stdio: 'inherit' });
  // A stop request during the build (SIGTERM to npm start, Ctrl-C) stops the compiler too, not just this script.
  // Whatever the compiler then does, the start stops here.
  let stopped;
  for (const signal of ['SIGINT', 'SIGTERM']) {
    process.on(signal, () => {
      stopped = signal;
      child.kill(signal);
    });
  }
  child.on('exit', (code) => {
    if (stopped !== undefined) process.exit(stopped === 'SIGINT' ? 130 : 143);
    if (code !== 0) process.exit(code ?? 1);
    mkdirSync(dirname(STAMP), { recursive: true });
    writeFileSync(STAMP, '');
    utimesSync(STAMP, began, began);
  });
}
