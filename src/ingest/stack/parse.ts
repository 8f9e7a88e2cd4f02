// Entry point of stack parsing: detects a traceback's engine, parses its frames (innermost first) and picks the crash frame.
import { parseAtStack } from './firefox.js';
import type { EngineResult } from './in-app.js';
import { parsePython } from './python.js';
import { looksLikeSafari } from './safari.js';
import type { Frame, ParsedStack, StackFormat } from './types.js';
import { parseV8 } from './v8.js';

export { isInApp, stripQueryAndFragment } from './in-app.js';

// CPython 3.13 and Node colour their output on a TTY; SGR codes would otherwise end up in file names.
const ANSI_SGR = /\x1b\[[0-9;]*m/g;

/**
 * Picks the grammar that recognises the most frame lines: a count is sturdier than guessing from the
 * first lines (messages may span lines or quote code). Ties go to the more specific grammar: Python,
 * then V8, then `fn@url`. Each grammar only scores lines holding its marker (`File "`, a leading
 * `at `, an `@` or `://`), so one cheap pass counts the most each could score, and a grammar that
 * cannot beat the best so far is not run: the same choice as running all three, usually for one.
 */
export function parseStack(traceback: string): ParsedStack {
  if (typeof traceback !== 'string' || traceback === '') return { format: 'unknown', frames: [] };
  const lines = splitLines(traceback.includes('\x1b') ? traceback.replace(ANSI_SGR, '') : traceback);
  const most = mostFrames(lines);
  let best: ParsedStack = { format: 'unknown', frames: [] };
  let bestScore = 0;
  const consider = (format: () => StackFormat, bound: number, parse: (lines: readonly string[]) => EngineResult) => {
    if (bound <= bestScore) return;
    const { frames, score } = parse(lines);
    if (score > bestScore) {
      best = { format: format(), frames };
      bestScore = score;
    }
  };
  consider(() => 'python', most.python, parsePython);
  consider(() => 'v8', most.v8, parseV8);
  consider(() => (looksLikeSafari(lines) ? 'safari' : 'firefox'), most.at, parseAtStack);
  return best;
}

/** `split(/\r?\n/)` without the regular expression when there is no CR, the usual case. */
function splitLines(text: string): string[] {
  return text.includes('\r') ? text.split(/\r?\n/) : text.split('\n');
}

/**
 * Upper bounds of each grammar's score: Python frames contain `File "`, V8 frames start with `at `
 * once trimmed, `fn@url` frames contain an `@` or are a bare `scheme://` URL.
 */
function mostFrames(lines: readonly string[]): { python: number; v8: number; at: number } {
  let python = 0;
  let v8 = 0;
  let at = 0;
  for (const line of lines) {
    if (line.includes('File "')) python++;
    if (line.includes('at ') && line.trimStart().startsWith('at ')) v8++;
    if (line.includes('@') || line.includes('://')) at++;
  }
  return { python, v8, at };
}

/** The innermost in-app frame; when no frame is in-app, the innermost frame; null without frames. */
export function pickCrashFrame(frames: Frame[]): Frame | null {
  return frames.find((frame) => frame.inApp) ?? frames[0] ?? null;
}
