// Parses V8 stacks (Node, Chrome, Edge, Deno; also Chakra/PhantomJS/Hermes look-alikes) into frames, innermost first.
import { makeFrame, splitLineColumn, type EngineResult } from './in-app.js';
import type { Frame } from './types.js';

/** Locations V8 and Chakra print for built-ins and async combinators: no file, so no frame. */
const NO_LOCATION = new Set(['<anonymous>', 'native', 'native code', 'unknown location']);
const PROMISE_INDEX = /^index \d{1,9}$/;
const EVAL_AT = 'eval at ';

/**
 * Frames are the `at …` lines; everything else (header, multi-line message, Node's source-excerpt
 * preamble, "... N lines matching cause stack trace ...") is skipped.
 */
export function parseV8(lines: readonly string[]): EngineResult {
  const frames: Frame[] = [];
  for (const raw of lines) {
    let text = raw.trim();
    if (!text.startsWith('at ')) continue;
    // util.inspect appends ` {` and then the error's properties ([cause], [errors], code…): other errors' frames.
    const propertiesFollow = text.endsWith(' {');
    if (propertiesFollow) text = text.slice(0, -2);
    const frame = parseFrameBody(text.slice(3).trimStart());
    if (frame) frames.push(frame);
    if (propertiesFollow && frame !== undefined) break;
  }
  return { frames, score: frames.length };
}

/** A parsed frame, null for a frame without a file (`Array.map (<anonymous>)`), undefined for a non-frame. */
function parseFrameBody(body: string): Frame | null | undefined {
  const unprefixed = body.startsWith('async ') ? body.slice(6) : body;
  const { callsite, location } = splitCallsite(unprefixed);
  return frameAt(callsite, location.startsWith('address at ') ? location.slice(11) : location);
}

/**
 * `name (location)` or a bare `location`. The location is the last balanced parenthesis group, found
 * from the right: file names (`my app (v2)/x.mjs`) and names (`weird (x) @ y`) may contain parentheses.
 */
function splitCallsite(body: string): { callsite: string; location: string } {
  const bare = { callsite: '', location: body };
  if (!body.endsWith(')')) return bare;
  let open = openingParen(body);
  if (open < 0) {
    // A stray ')' in a path unbalances the scan: fall back to V8's own " (" separator.
    const separator = body.lastIndexOf(' (');
    if (separator < 0) return bare;
    open = separator + 1;
  }
  return { callsite: body.slice(0, open).trimEnd(), location: body.slice(open + 1, -1) };
}

/** Index of the `(` that balances the final `)`, or -1. */
function openingParen(text: string): number {
  let depth = 0;
  for (let i = text.length - 1; i >= 0; i--) {
    const c = text.charCodeAt(i);
    if (c === 41) depth++;
    else if (c === 40 && --depth === 0) return i;
  }
  return -1;
}

function frameAt(callsite: string, location: string): Frame | null | undefined {
  if (NO_LOCATION.has(location) || PROMISE_INDEX.test(location)) return null;
  if (location.startsWith(EVAL_AT)) return evalFrame(callsite, location);
  const wasm = location.indexOf(':wasm-function[');
  // A wasm position is a function index and byte offset, not a line.
  if (wasm > 0) return makeFrame({ file: location.slice(0, wasm), line: null, column: null }, callsite);
  const extension = safariExtensionFrame(callsite, location);
  if (extension) return extension;
  const where = splitLineColumn(location);
  return where ? makeFrame(where, callsite) : undefined;
}

/**
 * `eval at f (eval at g (origin:l:c)), <anonymous>:1:30`: the outermost real script position is the
 * innermost parenthesised origin. Eval'd code is never the app's source file, so it is not in-app.
 */
function evalFrame(callsite: string, location: string): Frame | null {
  const start = location.lastIndexOf(EVAL_AT);
  const open = location.indexOf('(', start);
  const close = open < 0 ? -1 : closingParen(location, open);
  const origin = close < 0 ? null : splitLineColumn(location.slice(open + 1, close));
  return origin ? makeFrame(origin, callsite, true) : null;
}

function closingParen(text: string, open: number): number {
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 40) depth++;
    else if (c === 41 && --depth === 0) return i;
  }
  return -1;
}

/** Safari extension frames wrapped in an `at` line: `at fn@safari-extension:(//id/file.js:1:2)`. */
function safariExtensionFrame(callsite: string, location: string): Frame | null {
  if (!callsite.endsWith(':') || !location.startsWith('//')) return null;
  const at = callsite.lastIndexOf('@');
  const scheme = callsite.slice(at + 1, -1);
  if (at < 0 || !/^[a-z][a-z-]{0,30}$/.test(scheme)) return null;
  const where = splitLineColumn(`${scheme}:${location}`);
  return where ? makeFrame(where, callsite.slice(0, at)) : null;
}
