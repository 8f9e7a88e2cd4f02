// parseStack runs only the grammars that can still win: it must choose exactly as running all three would.
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseAtStack } from '../../src/ingest/stack/firefox.js';
import { parseStack } from '../../src/ingest/stack/parse.js';
import { parsePython } from '../../src/ingest/stack/python.js';
import { looksLikeSafari } from '../../src/ingest/stack/safari.js';
import type { ParsedStack, StackFormat } from '../../src/ingest/stack/types.js';
import { parseV8 } from '../../src/ingest/stack/v8.js';

/** The reference: every grammar on every line, the highest score wins, ties to the earlier one. */
function parseWithEveryGrammar(traceback: string): ParsedStack {
  if (traceback === '') return { format: 'unknown', frames: [] };
  // eslint-disable-next-line no-control-regex
  const lines = traceback.replace(/\x1b\[[0-9;]*m/g, '').split(/\r?\n/);
  const results: Array<[StackFormat, ReturnType<typeof parseV8>]> = [
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

const traces: string[] = readFileSync(new URL('../fixtures/traces.jsonl', import.meta.url), 'utf8')
  .split('\n')
  .filter((line) => line.trim() !== '')
  .map((line) => (JSON.parse(line) as { traceback: string }).traceback);
const allLines = [...new Set(traces.flatMap((t) => t.split('\n')))];

describe('parseStack chooses as if every grammar ran', () => {
  it.each(traces.map((t, i) => [i, t] as const))('real trace #%i', (_i, traceback) => {
    expect(parseStack(traceback)).toEqual(parseWithEveryGrammar(traceback));
  });

  it.each([
    ['bare URLs only (Safari 7-8)', 'https://example.com/app.js:10:5\nhttps://example.com/app.js?v=2:20:1'],
    ['tab- and NBSP-indented at lines', '\t at f (/srv/a.js:1:2)\n\u00a0at g (/srv/b.js:3:4)'],
    ['a Python frame in a group margin', '  | Traceback (most recent call last):\n  |   File "/srv/a.py", line 3, in f\n  | ValueError: x'],
    ['equal scores: Python wins', '  File "/srv/a.py", line 3, in f\n    at g (/srv/b.js:1:2)'],
    ['equal scores: V8 wins over fn@url', '    at g (/srv/b.js:1:2)\nf@https://x.test/a.js:1:2'],
    ['colour codes only around frames', '\x1b[31mError\x1b[0m\n\x1b[2m    at f (/srv/a.js:1:2)\x1b[0m'],
  ])('%s', (_name, traceback) => {
    const reference = parseWithEveryGrammar(traceback);
    expect(reference.format).not.toBe('unknown');
    expect(parseStack(traceback)).toEqual(reference);
  });

  it('on traces mixing lines of every engine, with CRLF and colour codes', () => {
    const line = fc.oneof(
      { weight: 8, arbitrary: fc.constantFrom(...allLines) },
      { weight: 1, arbitrary: fc.string({ maxLength: 40 }) },
      { weight: 1, arbitrary: fc.constantFrom('  at ', 'at x', '\x1b[31m    at f (/a.js:1:2)\x1b[0m', 'a@', '@', 'File "', 'x://y', 'https://example.com/app.js:10:5', '\t at f (/a.js:1:2)') },
    );
    fc.assert(
      fc.property(fc.array(line, { maxLength: 30 }), fc.constantFrom('\n', '\r\n'), (lines, eol) => {
        const traceback = lines.join(eol);
        expect(parseStack(traceback)).toEqual(parseWithEveryGrammar(traceback));
      }),
      { numRuns: 2000 },
    );
  });
});
