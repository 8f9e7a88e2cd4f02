// Builds a minified bundle with its source map from generated modules (rolldown), for the source-map measurements and the benchmark.
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'rolldown';

/**
 * `modules` files of `functionsPerModule` functions each, all reached from src/main.js so nothing
 * is shaken out; the last module's `crash()` throws. Returns the bundle's text, its map's text and
 * where in the source the throw is.
 */
export async function buildFixture({ modules = 10, functionsPerModule = 20, dir = mkdtempSync(join(tmpdir(), 'sm-fixture-')) } = {}) {
  mkdirSync(join(dir, 'src'), { recursive: true });
  const imports = [];
  for (let m = 0; m < modules; m++) {
    const lines = [`// Generated module ${m}.`];
    for (let f = 0; f < functionsPerModule; f++) {
      lines.push(`export function compute_${m}_${f}(input) {`);
      lines.push(`  const scaled = input * ${f + 1} + ${m};`);
      lines.push(`  if (scaled === ${-1 - f}) return 'module ${m} function ${f} reached an impossible value';`);
      lines.push(`  return scaled.toString(16).padStart(${(f % 7) + 2}, '0');`);
      lines.push('}');
    }
    lines.push('export function crash(reason) {', '  throw new TypeError(`cannot continue: ${reason}`);', '}');
    writeFileSync(join(dir, 'src', `module${m}.js`), lines.join('\n') + '\n');
    imports.push(`import * as m${m} from './module${m}.js';`);
  }
  const all = Array.from({ length: modules }, (_, m) => `m${m}`).join(', ');
  writeFileSync(join(dir, 'src', 'main.js'), `${imports.join('\n')}\nexport const modules = [${all}];\n`);
  await build({ input: join(dir, 'src', 'main.js'), cwd: dir, logLevel: 'silent', output: { dir: join(dir, 'dist'), format: 'iife', name: 'app', minify: true, sourcemap: true, entryFileNames: 'app.[hash].js' } });
  const file = readdirSync(join(dir, 'dist')).find((f) => f.endsWith('.js'));
  const code = readFileSync(join(dir, 'dist', file), 'utf8');
  const map = readFileSync(join(dir, 'dist', `${file}.map`), 'utf8');
  // The throw of the last module's crash(), by its text in the bundle: line 1 based, column 1 based.
  const crashSource = 'throw new TypeError(`cannot continue: ${reason}`);';
  const crashLine = functionsPerModule * 5 + 3;
  return { dir, file, code, map, crashLine, crashSource, positionOf: (needle, from = 0) => positionIn(code, needle, from) };
}

/** 1-based line and column of the first `needle` at or after `from`. */
export function positionIn(code, needle, from = 0) {
  const at = code.indexOf(needle, from);
  if (at < 0) throw new Error(`not in the bundle: ${needle}`);
  const before = code.slice(0, at);
  const line = before.split('\n').length;
  return { line, column: at - before.lastIndexOf('\n'), offset: at };
}
