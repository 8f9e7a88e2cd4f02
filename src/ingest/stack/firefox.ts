// Parses `fn@url:line:col` stacks, the grammar SpiderMonkey (Firefox) and JavaScriptCore (Safari) share, innermost first.
import { makeFrame, splitLineColumn, toLineNumber, URL_WITH_AUTHORITY, type EngineResult, type Location } from './in-app.js';
import type { Frame } from './types.js';

const NATIVE = '[native code]';
// Sticky and bounded: tested at each candidate '@' without scanning the rest of a long line.
const SCHEME_AT = /[A-Za-z][A-Za-z0-9+.-]{0,31}:/y;
const CAUSE_LABEL = /^[A-Za-z][\w. ]*$/;

/** Every line is a frame, newest first; there is no header line in either engine. */
export function parseAtStack(lines: readonly string[]): EngineResult {
  const frames: Frame[] = [];
  for (const raw of lines) {
    const frame = parseAtLine(raw.trim());
    if (frame) frames.push(frame);
  }
  return { frames, score: frames.length };
}

/** A frame, or null for lines without a usable location (`map@[native code]`, JSC's `inEval@`, garbage). */
function parseAtLine(line: string): Frame | null {
  if (line === '' || line === NATIVE) return null;
  const at = nameSeparator(line);
  // Safari 7–8 printed an anonymous first frame as a bare URL, without '@'.
  if (at < 0) return URL_WITH_AUTHORITY.test(line) ? frameAt('', line) : null;
  return frameAt(cleanName(line.slice(0, at)), line.slice(at + 1));
}

function frameAt(fn: string, location: string): Frame | null {
  if (location === '' || location === NATIVE) return null;
  const evalSite = evalCallSite(location);
  if (evalSite) return makeFrame(evalSite, fn, true);
  const where = splitLineColumn(location);
  return where ? makeFrame(where, fn) : null;
}

/**
 * Names may contain '@' (`@fn`, `obj["@fn"]`) and so may URLs (`/misc/@stuff/foo.js`): split at the
 * first '@' outside brackets and quotes whose remainder starts like a location. Relative paths
 * (`module code@generators/x.mjs`) start like nothing in particular, so fall back to the first free '@'.
 */
function nameSeparator(line: string): number {
  let brackets = 0;
  let quote = '';
  let firstFree = -1;
  for (let i = 0; i < line.length; i++) {
    const c = line.charAt(i);
    if (quote !== '') {
      if (c === quote) quote = '';
    } else if (c === '"' || c === "'") {
      quote = c;
    } else if (c === '[') {
      brackets++;
    } else if (c === ']') {
      brackets = Math.max(0, brackets - 1);
    } else if (c === '@' && brackets === 0) {
      if (startsLikeLocation(line, i + 1)) return i;
      if (firstFree < 0) firstFree = i;
    }
  }
  return firstFree >= 0 ? firstFree : line.indexOf('@');
}

function startsLikeLocation(line: string, start: number): boolean {
  if (start === line.length) return true;
  const c = line.charAt(start);
  if (c === '/' || c === '.' || c === '\\') return true;
  if (line.startsWith(NATIVE, start) || line.startsWith('Scratchpad/', start)) return true;
  SCHEME_AT.lastIndex = start;
  return SCHEME_AT.test(line);
}

/**
 * Drops what is not part of the name: Firefox's async-cause label (`async*`, `promise callback*`)
 * and the argument values Firefox ≤ 13 printed after it (`bar(1)`, `()`).
 */
function cleanName(raw: string): string {
  const name = raw.slice(asyncCauseLength(raw));
  const args = name.endsWith(')') ? name.indexOf('(') : -1;
  return args >= 0 ? name.slice(0, args) : name;
}

/** Length of a leading `label*` async-cause prefix (`async*`, `setTimeout handler*`), 0 when there is none. */
export function asyncCauseLength(text: string): number {
  const star = text.indexOf('*');
  return star > 0 && CAUSE_LABEL.test(text.slice(0, star)) ? star + 1 : 0;
}

/** SpiderMonkey's `url line N > eval:l:c` (also `> Function`, nested evals): line and column are inside the eval'd code. */
function evalCallSite(location: string): Location | null {
  const marker = firstIndex(location.indexOf(' > eval'), location.indexOf(' > Function'));
  if (marker < 0) return null;
  const lineWord = location.lastIndexOf(' line ', marker);
  if (lineWord <= 0) return null;
  const line = toLineNumber(location.slice(lineWord + 6, marker));
  return line === null ? null : { file: location.slice(0, lineWord), line, column: null };
}

function firstIndex(a: number, b: number): number {
  if (a < 0) return b;
  return b < 0 ? a : Math.min(a, b);
}
