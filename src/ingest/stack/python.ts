// Parses CPython 3.8–3.13 tracebacks (chains, exception groups, SyntaxError pseudo-frames) into the main exception's frames.
import { makeFrame, toLineNumber, type EngineResult } from './in-app.js';
import type { Frame } from './types.js';

/** A traceback line with its exception-group margin ("  | ", "    | ", …) taken off. */
interface MarginLine {
  /** 0 outside any group; the group nesting level inside one. */
  depth: number;
  /** '|' for content lines, '+' for group structure lines, '' outside groups. */
  mark: string;
  content: string;
}

const FRAME_TAIL = /^(\d{1,9})(?:, in (.*))?$/;
const TRACEBACK_HEADER = 'Traceback (most recent call last):';
const GROUP_HEADER = 'Exception Group Traceback (most recent call last):';

/**
 * The main exception is the last one printed at the top level: chains print causes first, and a
 * top-level ExceptionGroup prints its own frames one margin deep, its sub-exceptions deeper still.
 * Frames of causes and of sub-exceptions are only counted (for format detection), not returned.
 */
export function parsePython(lines: readonly string[]): EngineResult {
  let block: Frame[] = [];
  let blockDepth = 0;
  let open = false;
  let score = 0;
  const startBlock = (depth: number): void => {
    block = [];
    blockDepth = depth;
    open = true;
  };
  for (const line of lines) {
    const { depth, mark, content } = splitMargin(line);
    if (mark === '+') {
      if (depth === 1 && content.startsWith(GROUP_HEADER)) startBlock(1);
      continue;
    }
    if (content.startsWith(TRACEBACK_HEADER)) {
      if (depth === 0) startBlock(0);
      continue;
    }
    const frame = parseFrameLine(content);
    if (frame) {
      score++;
      // A frame after the exception line starts a block without a header (SyntaxError, pasted traces).
      if (depth === 0 && (!open || blockDepth !== 0)) startBlock(0);
      if (open && depth === blockDepth) block.push(frame);
    } else if (depth === 0 && startsUnindented(content)) {
      // The exception line, a chain separator or a log line: the current block is complete.
      open = false;
    }
  }
  return { frames: block.reverse(), score };
}

function splitMargin(line: string): MarginLine {
  let spaces = 0;
  while (spaces < line.length && line.charCodeAt(spaces) === 32) spaces++;
  const mark = line.charAt(spaces);
  const after = line.charAt(spaces + 1);
  // Group margins are two spaces per level, then "| " or a "+" rule; a lone "|" at column 0 is just text.
  const isMargin = spaces >= 2 && spaces % 2 === 0 && (mark === '|' || mark === '+');
  if (!isMargin || (after !== '' && after !== ' ' && after !== '-' && after !== '+')) {
    return { depth: 0, mark: '', content: line };
  }
  return { depth: spaces / 2, mark, content: line.slice(spaces + 2) };
}

function startsUnindented(content: string): boolean {
  const first = content.charAt(0);
  return first !== '' && first !== ' ' && first !== '\t';
}

/** `  File "<path>", line N, in <name>`; the name is absent on SyntaxError pseudo-frames. */
function parseFrameLine(content: string): Frame | null {
  let indent = 0;
  // Frames are indented by two spaces, source lines by four: a source line may well contain `File "`.
  while (indent < 4 && content.charCodeAt(indent) === 32) indent++;
  if (indent === 4 || !content.startsWith('File "', indent)) return null;
  const fileStart = indent + 6;
  // The last `", line ` ends the path: paths may contain quotes, function names never do.
  const fileEnd = content.lastIndexOf('", line ');
  if (fileEnd <= fileStart) return null;
  const tail = FRAME_TAIL.exec(content.slice(fileEnd + 8));
  if (!tail) return null;
  const line = toLineNumber(tail[1] ?? '');
  return makeFrame({ file: content.slice(fileStart, fileEnd), line, column: null }, tail[2] ?? '');
}
