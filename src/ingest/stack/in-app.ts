// Decides which frames are application code, and turns a raw location into a Frame (shared by all engines).
import type { Frame } from './types.js';

/** What each engine parser returns; `score` says how much of the text that engine's grammar recognised. */
export interface EngineResult {
  frames: Frame[];
  score: number;
}

export interface Location {
  file: string;
  line: number | null;
  column: number | null;
}

// Bounded scheme length: the check runs on untrusted text and must stay cheap on long lines.
export const URL_WITH_AUTHORITY = /^[A-Za-z][A-Za-z0-9+.-]{0,31}:\/\//;
// Browser extensions are third-party code injected into the page, never the app.
const EXTENSION_URL = /^(?:chrome|moz|safari|safari-web|ms-browser)-extension:/;
// CPython's standard library: .../lib/python3.11/... (site-/dist-packages are caught before this).
const PYTHON_STDLIB = /\/lib\/python\d{1,2}(?:\.\d{1,3})?\//;
const WINDOWS_DRIVE = /^[A-Za-z]:\//;
/** Location words engines print where a file would be; none of them is a file. */
const NOT_A_FILE = new Set(['native', 'native code', '[native code]', 'eval code', 'unknown location']);
const THIRD_PARTY_DIRS = ['/node_modules/', '/site-packages/', '/dist-packages/'];

/** Removes `?query` and `#fragment` from `scheme://` URLs, so cache busters do not split groups; paths are kept whole. */
export function stripQueryAndFragment(file: string): string {
  if (!URL_WITH_AUTHORITY.test(file)) return file;
  const query = file.indexOf('?');
  const fragment = file.indexOf('#');
  const cut = query < 0 ? fragment : fragment < 0 ? query : Math.min(query, fragment);
  return cut < 0 ? file : file.slice(0, cut);
}

/** False for library, runtime, native and synthetic code (DESIGN.md, "In-app excludes"); everything else is the app's. */
export function isInApp(file: string, fn: string): boolean {
  if (file === '' || NOT_A_FILE.has(file) || fn === 'eval code') return false;
  // <frozen importlib._bootstrap>, <string>, <stdin>, <anonymous>, <decorator-gen-39>, evalmachine.<anonymous>
  if (file.endsWith('>') && (file.startsWith('<') || file.endsWith('<anonymous>'))) return false;
  if (file.startsWith('node:') || file.startsWith('internal/')) return false;
  if (EXTENSION_URL.test(file)) return false;
  // Windows traces use backslashes; the rules below are written once, for slashes.
  const path = '/' + file.replaceAll('\\', '/');
  if (THIRD_PARTY_DIRS.some((dir) => path.includes(dir))) return false;
  // webpack 1–3 wrote node_modules as "~" in its module URLs.
  if (path.startsWith('/webpack:///~/')) return false;
  return !isPythonStdlib(file, path.slice(1));
}

function isPythonStdlib(file: string, path: string): boolean {
  if (PYTHON_STDLIB.test(path)) return true;
  // Windows installs keep the standard library in C:\PythonXY\Lib\.
  return WINDOWS_DRIVE.test(path) && file.includes('\\Lib\\');
}

/** A line or column number as engines print it (digits only); absurd lengths are rejected so Number() stays exact. */
export function toLineNumber(text: string): number | null {
  if (text.length === 0 || text.length > 9) return null;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 48 || c > 57) return null;
  }
  return Number(text);
}

/** Splits `file:line:col` or `file:line` from the right, so drive letters, ports and `node:` keep their colons. */
export function splitLineColumn(location: string): Location | null {
  const last = location.lastIndexOf(':');
  if (last <= 0) return null;
  const tail = toLineNumber(location.slice(last + 1));
  if (tail === null) return null;
  const prev = location.lastIndexOf(':', last - 1);
  const line = prev > 0 ? toLineNumber(location.slice(prev + 1, last)) : null;
  if (line !== null) return { file: location.slice(0, prev), line, column: tail };
  return { file: location.slice(0, last), line: tail, column: null };
}

/**
 * Builds a Frame. `evalOnly` marks code that exists only as an eval'd string: the location is then
 * the script position of the eval call, which is useful to show but is not the code that failed.
 */
export function makeFrame(location: Location, fn: string, evalOnly = false): Frame {
  const file = stripQueryAndFragment(location.file);
  return { file, line: location.line, column: location.column, function: fn, inApp: !evalOnly && isInApp(file, fn) };
}
