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
 * Runs every grammar and keeps the one that recognised the most frame lines: each is a single linear
 * pass, and a count is sturdier than guessing from the first lines (messages may span lines or quote
 * code). Ties go to the more specific grammar: Python, then V8, then `fn@url`.
 */
export function parseStack(traceback: string): ParsedStack {
  if (typeof traceback !== 'string' || traceback === '') return { format: 'unknown', frames: [] };
  const lines = traceback.replace(ANSI_SGR, '').split(/\r?\n/);
  const results: Array<[StackFormat, EngineResult]> = [
    ['python', parsePython(lines)],
    ['v8', parseV8(lines)],
    [looksLikeSafari(lines) ? 'safari' : 'firefox', parseAtStack(lines)],
  ];
  let best: ParsedStack = { format: 'unknown', frames: [] };
  let bestScore = 0;
  for (const [format, { frames, score }] of results) {
    if (score > bestScore) {
      best = { format, frames };
      bestScore = score;
    }
  }
  return best;
}

/** The innermost in-app frame; when no frame is in-app, the innermost frame; null without frames. */
export function pickCrashFrame(frames: Frame[]): Frame | null {
  return frames.find((frame) => frame.inApp) ?? frames[0] ?? null;
}
