// Test helpers: the real sentry-cli binary (npm @sentry/cli, its platform package's binary) and a small app bundled by rolldown.
import { execFile } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { rolldown } from 'rolldown';

const require = createRequire(import.meta.url);
/** The binary itself, as @sentry/cli's JS API finds it (what the bundler plugins run). */
export const SENTRY_CLI: string = (require('@sentry/cli') as { SentryCli: { getPath(): string } }).SentryCli.getPath();

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs sentry-cli with only the given environment (plus PATH and a HOME without a .sentryclirc). */
export function sentryCli(args: string[], env: Record<string, string>, home: string): Promise<CliRun> {
  return new Promise((resolve) => {
    execFile(
      SENTRY_CLI,
      args,
      { env: { PATH: process.env.PATH ?? '', HOME: home, SENTRY_LOAD_DOTENV: '0', ...env }, timeout: 60_000, maxBuffer: 16 * 1024 * 1024 },
      (err, stdout, stderr) => resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

/** Original sources: two modules, each with a throw on a line the tests know. */
export const SOURCES: Record<string, string> = {
  'cart.js': ['export function addItem(cart, item) {', '  if (!item.sku) {', "    throw new TypeError('item without sku');", '  }', '  cart.push(item);', '  return cart.length;', '}', ''].join('\n'),
  'checkout.js': [
    "import { addItem } from './cart.js';",
    'export function checkout(cart) {',
    '  if (cart.length === 0) {',
    "    throw new RangeError('empty cart');",
    '  }',
    '  return cart.reduce((n, i) => n + i.price, 0);',
    '}',
    'window.shop = { addItem, checkout };',
    '',
  ].join('\n'),
};

/** Writes the sources to `dir/src` and bundles them, minified with source maps, into `dir/dist/assets/[name].[hash].js`. */
export async function buildApp(dir: string, banner = ''): Promise<string> {
  mkdirSync(join(dir, 'src'), { recursive: true });
  for (const [name, text] of Object.entries(SOURCES)) writeFileSync(join(dir, 'src', name), text);
  const bundle = await rolldown({ input: join(dir, 'src', 'checkout.js'), logLevel: 'silent' });
  await bundle.write({ dir: join(dir, 'dist'), format: 'iife', name: 'shopApp', sourcemap: true, minify: true, entryFileNames: 'assets/[name].[hash].js', banner });
  await bundle.close();
  return join(dir, 'dist');
}
