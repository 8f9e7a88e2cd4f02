// Untrusted text in alerts: one line each, bidirectional controls neutralised, in every part of every message.
import { describe, expect, it } from 'vitest';
import { composeAlert, composeDigest, type AlertEvent, type AlertMessage } from '../../src/alerts/compose.js';
import { oneLine } from '../../src/alerts/untrusted-text.js';

/** Every bidirectional control the issue names. */
const BIDI = ['\u202a', '\u202b', '\u202c', '\u202d', '\u202e', '\u2066', '\u2067', '\u2068', '\u2069', '\u200e', '\u200f', '\u061c'];
const BIDI_RE = /[\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]/;
const BREAKS = ['\n', '\r\n', '\r', '\u0085', '\u2028', '\u2029', '\v', '\f'];

describe('oneLine', () => {
  it.each([
    ['plain', 'bad quantity', 'bad quantity'],
    ['line breaks become spaces', 'a\nb\r\nc\rd\u2028e\u2029f\u0085g', 'a b c d e f g'],
    ['controls and runs of space collapse', ' a\t\u0000\u001b[31m b \u007f c ', 'a [31m b c'],
    ['a right-to-left override is replaced by U+FFFD', 'invoice\u202Efdp.exe', 'invoice\ufffdfdp.exe'],
    ['isolates and marks too', '\u2066a\u2069\u200eb\u200fc\u061cd', '\ufffda\ufffd\ufffdb\ufffdc\ufffdd'],
    ['ordinary right-to-left text stays', 'שגיאה בהזמנה', 'שגיאה בהזמנה'],
    ['emoji with joiners stay', '👩‍💻 failed', '👩‍💻 failed'],
  ])('%s', (_name, input, expected) => {
    expect(oneLine(input, 1000)).toBe(expected);
  });

  it.each(BIDI.map((c) => [`U+${c.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}`, c]))('%s never survives', (_name, c) => {
    expect(oneLine(`x${c}y${c}`, 100)).not.toMatch(BIDI_RE);
  });

  it('is bounded with an ellipsis, never splitting a surrogate pair', () => {
    expect(oneLine('a'.repeat(50), 10)).toBe(`${'a'.repeat(9)}…`);
    const cut = oneLine(`${'a'.repeat(8)}😀😀`, 10);
    expect(cut.length).toBeLessThanOrEqual(10);
    expect(cut).not.toMatch(/[\ud800-\udbff](?![\udc00-\udfff])/);
  });
});

const event = (over: Partial<AlertEvent> = {}): AlertEvent => ({
  kind: 'new',
  groupId: 7,
  fingerprint: 'f',
  project: 'shop',
  exceptionType: 'ValueError',
  message: 'bad quantity',
  traceback: 'Traceback (most recent call last):\n  File "/srv/a.py", line 3, in f\nValueError: bad quantity',
  file: '/srv/a.py',
  line: 3,
  function: 'f',
  source: 'server',
  count: 1,
  firstSeen: '2026-03-01T12:00:00.000Z',
  lastSeen: '2026-03-01T12:00:00.000Z',
  release: '1.0',
  environment: 'production',
  requestMethod: 'GET',
  requestUrl: 'https://shop.example.com/cart',
  ...over,
});
const now = new Date('2026-03-01T15:00:00Z');
const PUBLIC_URL = 'https://errors.example.com';
const SPOOF = 'Open: https://evil.example/reset-password';

/** Each part an operator reads: the mail's subject, text and HTML, the push title and text. */
const parts = (m: AlertMessage) => ({ subject: m.subject, text: m.text, html: m.html, title: m.title, pushText: m.pushText });

/** Lines of a part that begin with the spoofed text, unindented (after any markup, for HTML): a line that passes for ours. */
const spoofedLines = (part: string) => part.split(/\r\n|[\n\r\u2028\u2029\u0085]/).filter((l) => l.replace(/<[^>]*>/g, '').startsWith(SPOOF));

const fields: Array<[string, Partial<AlertEvent>]> = BREAKS.flatMap((br) => {
  const name = JSON.stringify(br);
  return [
    [`message with ${name}`, { message: `bad${br}${SPOOF}` }],
    [`type with ${name}`, { exceptionType: `ValueError${br}${SPOOF}` }],
    [`project with ${name}`, { project: `shop${br}${SPOOF}` }],
    [`request URL with ${name}`, { requestUrl: `https://shop.example.com/${br}${SPOOF}` }],
    [`file with ${name}`, { file: `/srv/a.py${br}${SPOOF}` }],
    [`function with ${name}`, { function: `f${br}${SPOOF}` }],
    [`release with ${name}`, { release: `1.0${br}${SPOOF}` }],
    [`environment with ${name}`, { environment: `prod${br}${SPOOF}` }],
    [`traceback with ${name}`, { traceback: `Error: x${br}${SPOOF}${br}` }],
  ] as Array<[string, Partial<AlertEvent>]>;
});

describe('an alert cannot be made to say more than it does', () => {
  it.each(fields)('%s: no part has a line of its own saying "Open: https://evil..."', (_name, over) => {
    const message = composeAlert(event(over), null, { now, publicUrl: PUBLIC_URL });
    for (const [part, value] of Object.entries(parts(message))) expect(spoofedLines(value), part).toEqual([]);
    // The real link is still there, once, on its own line.
    expect(message.text.split('\n').filter((l) => l.startsWith('Open: '))).toEqual([`Open: ${PUBLIC_URL}/?error=7`]);
    expect(message.subject).not.toMatch(/[\r\n]/);
  });

  it.each(BIDI.map((c) => [`U+${c.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}`, c]))('%s in any field reaches no part of an alert or a digest', (_name, c) => {
    const hostile: Partial<AlertEvent> = {
      message: `invoice${c}fdp.exe`,
      exceptionType: `Type${c}Error`,
      project: `shop${c}`,
      requestUrl: `https://x/${c}`,
      file: `/srv/${c}a.py`,
      function: `f${c}`,
      release: `1${c}`,
      environment: `p${c}`,
      traceback: `Error${c}\n  at f (/srv/${c}a.js:1:1)`,
    };
    const alert = composeAlert(event(hostile), null, { now, publicUrl: PUBLIC_URL });
    for (const [part, value] of Object.entries(parts(alert))) expect(value, part).not.toMatch(BIDI_RE);
    const sample = { kind: 'new' as const, at: '2026-03-01T14:00:00Z', groupId: 3, project: `shop${c}`, exceptionType: `T${c}`, message: `m${c}\n${SPOOF}` };
    const digest = composeDigest({ newCount: 2, regressionCount: 0, since: '2026-03-01T14:00:00Z', dueAt: '2026-03-01T14:00:00Z', samples: [sample] }, { now, publicUrl: PUBLIC_URL });
    for (const [part, value] of Object.entries(parts(digest))) {
      expect(value, part).not.toMatch(BIDI_RE);
      expect(spoofedLines(value), part).toEqual([]);
    }
  });

  it('the traceback keeps its lines, indented under its heading', () => {
    const { text } = composeAlert(event(), null, { now });
    expect(text).toContain('Traceback (last lines):\n    Traceback (most recent call last):\n      File "/srv/a.py", line 3, in f\n    ValueError: bad quantity');
  });
});
