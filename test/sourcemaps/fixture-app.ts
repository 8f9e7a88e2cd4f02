// A small multi-file app bundled and minified with its source map by rolldown, and real V8 traces of its two errors.
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import vm from 'node:vm';
import { build } from 'rolldown';

/** The app's source files; the tests know where its two errors are from these texts alone. */
export const SOURCES: Record<string, string> = {
  'src/cart.js': [
    '// The cart: items by their SKU.',
    'export function addItem(cart, item) {',
    '  const sku = item.sku.toUpperCase();',
    '  cart.items.push(sku);',
    '  return cart;',
    '}',
    '',
  ].join('\n'),
  'src/prices.js': ['// Prices of the items in a cart.', 'export function total(cart) {', '  return cart.items.reduce((sum, sku) => sum + sku.length, 0);', '}', ''].join('\n'),
  'src/checkout.js': [
    "import { total } from './prices.js';",
    '',
    '// Checkout refuses a cart over its limit.',
    'export function checkout(cart) {',
    '  const amount = total(cart);',
    "  if (amount > cart.limit) throw new TypeError('the cart is over its limit: ' + amount);",
    "  return 'paid';",
    '}',
    '',
  ].join('\n'),
  'src/main.js': [
    "import { addItem } from './cart.js';",
    "import { checkout } from './checkout.js';",
    '',
    'export function addBrokenItem() {',
    '  return addItem({ items: [] }, { name: "no sku" });',
    '}',
    '',
    'export function payOverLimit() {',
    "  return checkout({ items: ['ABC', 'DE'], limit: 1 });",
    '}',
    '',
    '// Set at build time: a new release is a new bundle of the same source.',
    'export const version = __APP_VERSION__;',
    '',
  ].join('\n'),
};

/** Where each error is, as a developer reads it in the source. */
export const ERRORS = {
  addBrokenItem: { file: 'src/cart.js', line: lineOf('src/cart.js', 'item.sku.toUpperCase()'), type: 'TypeError', contextLine: 'const sku = item.sku.toUpperCase();' },
  payOverLimit: { file: 'src/checkout.js', line: lineOf('src/checkout.js', 'throw new TypeError'), type: 'TypeError', contextLine: "if (amount > cart.limit) throw new TypeError('the cart is over its limit: ' + amount);" },
} as const;

function lineOf(file: string, needle: string): number {
  return SOURCES[file]!.split('\n').findIndex((l) => l.includes(needle)) + 1;
}

export interface Bundle {
  dir: string;
  /** `app.<hash>.js` */
  file: string;
  code: string;
  map: string;
}

/** Writes the sources into a new directory (or `dir`) and bundles them; another version changes the bundle (and its hash), not the source. */
export async function buildApp(options: { version?: string; dir?: string } = {}): Promise<Bundle> {
  const dir = options.dir ?? mkdtempSync(join(tmpdir(), 'sm-app-'));
  for (const [name, text] of Object.entries(SOURCES)) {
    mkdirSync(join(dir, name, '..'), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  const out = join(dir, 'dist');
  await build({
    input: join(dir, 'src/main.js'),
    cwd: dir,
    logLevel: 'silent',
    transform: { define: { __APP_VERSION__: JSON.stringify(options.version ?? '1.0.0') } },
    output: { dir: out, format: 'iife', name: 'app', minify: true, sourcemap: true, entryFileNames: 'app.[hash].js' },
  });
  const file = readdirSync(out).find((f) => f.endsWith('.js'))!;
  return { dir, file, code: readFileSync(join(out, file), 'utf8'), map: readFileSync(join(out, `${file}.map`), 'utf8') };
}

/** Runs the bundle as if loaded from `url` and calls one of its functions: the real V8 stack of its error. */
export function v8Trace(bundle: Bundle, url: string, fn: keyof typeof ERRORS): { type: string; message: string; stack: string } {
  const context = vm.createContext({});
  new vm.Script(bundle.code, { filename: url }).runInContext(context);
  try {
    new vm.Script(`app.${fn}()`, { filename: 'https://cdn.example.com/page.html' }).runInContext(context);
  } catch (err) {
    const e = err as Error;
    // Node decorates an error from vm code with the source line and a caret before the header, and
    // the host's own frames (vm, the test runner) follow the page's: a browser writes neither.
    const lines = e.stack!.split('\n');
    const header = lines.findIndex((l) => l.startsWith(`${e.name}: `));
    const page = lines.findIndex((l) => l.includes('page.html'));
    return { type: e.name, message: e.message, stack: lines.slice(header, page + 1).join('\n') };
  }
  throw new Error(`${fn} did not throw`);
}

/** The same frames as Firefox writes them (`fn@url:line:col`, innermost first). */
export function asFirefox(v8Stack: string): string {
  return v8Stack
    .split('\n')
    .filter((l) => l.trim().startsWith('at '))
    .map((l) => {
      const m = /^\s*at (?:(.*?) \()?(.*?):(\d+):(\d+)\)?$/.exec(l)!;
      return `${m[1] ?? ''}@${m[2]}:${m[3]}:${m[4]}`;
    })
    .join('\n');
}

/** Safari's spelling: Firefox's, with `global code` for the top level. */
export function asSafari(v8Stack: string): string {
  return asFirefox(v8Stack)
    .split('\n')
    .map((l) => (l.startsWith('@') ? `global code${l}` : l))
    .join('\n');
}
