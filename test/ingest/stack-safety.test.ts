// parseStack on hostile input: 200 KB adversarial strings finish fast, CPU time grows linearly, and nothing throws.
import { describe, expect, it } from 'vitest';
import { parseStack, pickCrashFrame } from '../../src/ingest/stack/parse.js';
import { expectLinear } from '../linear-time.js';

const KB = 1024;

/** Repeats `unit` until the result is at least `size` characters long, then cuts it to exactly `size`. */
const fill = (unit: string, size: number): string => unit.repeat(Math.ceil(size / unit.length)).slice(0, size);

const adversarial: Array<[string, (size: number) => string]> = [
  ['"at at at (" on one line', (n) => fill('at at at (', n)],
  ['"@" repeated', (n) => fill('@', n)],
  ['"File \\"" repeated', (n) => fill('File "', n)],
  ['one line of "a:1:"', (n) => fill('a:1:', n)],
  ['lines of "((((("', (n) => fill('(((((\n', n)],
  ['"    at " + "x(" repeated', (n) => '    at ' + fill('x(', n)],
  ['"    at f " + ")" repeated', (n) => '    at f ' + fill(')', n)],
  ['nested "eval at g ("', (n) => '    at f (' + fill('eval at g (', n / 2) + '/x.js:1:2' + fill(')', n / 2)],
  ['one Python line of `", line 1` repeated', (n) => '  File "' + fill('", line 1', n)],
  ['quotes and brackets before "@"', (n) => fill('["@\'', n) + '@/x.js:1:1'],
  ['"x@" repeated', (n) => fill('x@', n) + '/x.js:1:1'],
  ['"@a" repeated (scheme check at every "@")', (n) => fill('@a', n)],
  ['" > eval" repeated', (n) => 'f@/x.js line 1' + fill(' > eval', n) + ':1:1'],
  ['async-cause label scan', (n) => fill('a ', n) + '*@/x.js:1:1'],
  ['exception-group margins', (n) => fill('  | ', n)],
  ['spaces then a margin bar', (n) => fill(' ', n) + '| File "x", line 1'],
  ['unterminated ANSI sequence', (n) => '\x1b[' + fill('1;', n)],
  ['newlines only', (n) => fill('\n', n)],
  ['digits after a colon', (n) => '/x.js:' + fill('1', n)],
  ['valid V8 frames', (n) => 'Error: x\n' + fill('    at f (/srv/app/node_modules/a/b.js:10:20)\n', n)],
  ['valid Python frames', (n) => 'Traceback (most recent call last):\n' + fill('  File "/srv/app/x.py", line 3, in f\n    f()\n', n)],
  ['valid Firefox frames', (n) => fill('f@https://app.example.com/a.js?v=1:10:20\n', n)],
];

describe('parseStack on adversarial input', () => {
  it.each(adversarial)('%s: 200 KB parses in well under a second of CPU and the work grows linearly', (_name, make) => {
    expect(make(200 * KB).length).toBeGreaterThanOrEqual(200 * KB);
    expectLinear(make, (input) => pickCrashFrame(parseStack(input).frames));
  });
});

describe('parseStack never throws', () => {
  // A fixed-seed generator (mulberry32) so a failure reproduces.
  function random(seed: number): () => number {
    let state = seed;
    return () => {
      state = (state + 0x6d2b79f5) | 0;
      let t = Math.imul(state ^ (state >>> 15), 1 | state);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
  }
  const tokens = [
    'at ', '    at ', 'async ', 'new ', '(', ')', '@', ':', '1', '42', ' ', '\n', '\r\n', '"', "'", '[', ']', '|', '+',
    '  File "', '", line ', ', in ', 'Traceback (most recent call last):', '  + Exception Group Traceback (most recent call last):',
    'eval at ', '<anonymous>', '[native code]', ' line 3 > eval', ' > Function', 'http://', 'file:///', 'node:', '*', '/<',
    'global code@', '\\', 'C:', 'node_modules/', '?v=1', '#x', '{', '\x1b[31m', '\u0000', '\ud800', 'wasm-function[', 'index 0',
  ];

  it('keeps its invariants on 3000 random token soups', () => {
    const next = random(20261121);
    for (let i = 0; i < 3000; i++) {
      const length = Math.floor(next() * 60);
      let input = '';
      for (let j = 0; j < length; j++) input += tokens[Math.floor(next() * tokens.length)];
      const stack = parseStack(input);
      expect(['python', 'v8', 'firefox', 'safari', 'unknown']).toContain(stack.format);
      for (const frame of stack.frames) {
        expect(frame.file).not.toBe('');
        expect(frame.line === null || (Number.isInteger(frame.line) && frame.line >= 0)).toBe(true);
        expect(frame.column === null || (Number.isInteger(frame.column) && frame.column >= 0)).toBe(true);
      }
      const crash = pickCrashFrame(stack.frames);
      expect(crash === null).toBe(stack.frames.length === 0);
    }
  });
});
