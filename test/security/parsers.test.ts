// The Sentry envelope grammar, Sentry auth headers, the event adapter and the report schema on hostile input:
// linear time on 200 KB adversarial lines, and no throw other than the catalogue's errors.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AppError } from '../../src/errors.js';
import { prepareReport } from '../../src/ingest/pipeline.js';
import { reportSchema } from '../../src/ingest/report-schema.js';
import { keyMatcher, scrubUrl } from '../../src/ingest/scrub.js';
import { keyFromAuthHeader, keyFromDsn, keyFromRequest } from '../../src/ingest/sentry/auth.js';
import { parseEnvelope } from '../../src/ingest/sentry/envelope.js';
import { eventTime, eventToReport } from '../../src/ingest/sentry/event-to-report.js';
import { parseStack } from '../../src/ingest/stack/parse.js';
import { redactUrl } from '../../src/logger.js';
import { expectLinear } from '../linear-time.js';

const KB = 1024;
const fill = (unit: string, size: number): string => unit.repeat(Math.ceil(size / unit.length)).slice(0, size);
const isSecret = keyMatcher();
const now = new Date('2026-03-01T12:00:00Z');

/** Calls `work`, accepting only a catalogue error (a 4xx) as a way to fail. */
function settle(work: () => unknown): void {
  try {
    work();
  } catch (err) {
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).statusCode).toBeGreaterThanOrEqual(400);
    expect((err as AppError).statusCode).toBeLessThan(500);
  }
}

const envelopes: Array<[string, (n: number) => string]> = [
  ['newlines only', (n) => '{}\n' + fill('\n', n)],
  ['one endless header line of "{"', (n) => fill('{', n)],
  ['item headers of "{" lines', (n) => '{}\n' + fill('{\n', n)],
  ['thousands of empty items', (n) => '{}\n' + fill('{"type":"session"}\n{}\n', n)],
  ['length-declared items', (n) => '{}\n' + fill('{"type":"event","length":2}\n{}\n', n)],
  ['a huge declared length', (n) => '{}\n{"type":"event","length":999999999}\n' + fill('x', n)],
  ['"at at at (" as a payload', (n) => '{}\n{"type":"event"}\n' + fill('at at at (', n)],
  ['"@@@@" as an item header', (n) => '{}\n' + fill('@', n)],
  ['CR LF lines', (n) => '{}\r\n' + fill('{"type":"x"}\r\n{}\r\n', n)],
  ['a deep header line', (n) => fill('[', n / 2) + fill(']', n / 2)],
];

describe('the Sentry envelope parser', () => {
  it.each(envelopes)('%s: 200 KB parses in linear time, failing only with a 4xx', (_name, make) => {
    expectLinear(make, (s) => settle(() => parseEnvelope(Buffer.from(s))));
  });

  it('takes any bytes without throwing anything but a catalogue error (fast-check, seeded)', () => {
    const token = fc.constantFrom('{}', '{"type":"event"}', '{"type":"event","length":3}', '{"length":-1}', '\n', '\r\n', '{', '"', 'x', '\u0000', '\ud800', '{"dsn":"http://a@b/1"}');
    fc.assert(
      fc.property(fc.oneof(fc.uint8Array({ maxLength: 300 }), fc.array(token, { maxLength: 40 }).map((t) => Buffer.from(t.join('')))), (bytes) => {
        settle(() => {
          const env = parseEnvelope(Buffer.from(bytes));
          for (const item of env.items) expect(Buffer.isBuffer(item.payload)).toBe(true);
        });
      }),
      { seed: 20260601, numRuns: 2000 },
    );
  });
});

describe('Sentry keys in headers, query and DSN', () => {
  const headers: Array<[string, (n: number) => string]> = [
    ['spaces after "Sentry"', (n) => 'Sentry' + fill(' ', n)],
    ['endless "sentry_key="', (n) => 'Sentry ' + fill('sentry_key=', n)],
    ['commas', (n) => 'Sentry ' + fill(',', n)],
    ['"= , " soup', (n) => 'Sentry ' + fill('=, ', n)],
    ['leading whitespace without the word', (n) => fill(' \t', n) + 'x'],
  ];
  it.each(headers)('X-Sentry-Auth of %s: 200 KB in linear time', (_name, make) => {
    expectLinear(make, (s) => keyFromAuthHeader(s));
  });

  it('a 200 KB DSN, query key or Authorization header: linear, and a conflict is a 401', () => {
    expectLinear((n) => `http://${fill('a', n)}@host/1`, (s) => keyFromDsn(s));
    expectLinear((n) => fill('@', n), (s) => keyFromDsn(s));
    expectLinear((n) => 'Sentry ' + fill('sentry_key=a,', n), (s) => settle(() => keyFromRequest({ sentry_key: 'b' }, { authorization: s })));
  });
});

describe('the Sentry event adapter', () => {
  const events: Array<[string, (n: number) => Record<string, unknown>]> = [
    ['a 200 KB timestamp of digits', (n) => ({ timestamp: fill('1', n) + 'x' })],
    ['a 200 KB zoned timestamp', (n) => ({ timestamp: fill('+00:00', n) })],
    ['a 200 KB event id of dashes', (n) => ({ event_id: fill('-{}', n) })],
    ['a 200 KB frame file of "?#"', (n) => ({ exception: { values: [{ type: 'E', stacktrace: { frames: [{ filename: 'http://' + fill('?#', n) }] } }] } })],
    ['a 200 KB function of "("', (n) => ({ exception: { values: [{ type: 'E', stacktrace: { frames: [{ filename: 'a.js', function: fill('(', n) }] } }] } })],
    ['thousands of frames', (n) => ({ exception: { values: [{ type: 'E', stacktrace: { frames: Array.from({ length: n / 40 }, (_, i) => ({ filename: `/a/${i}.js`, lineno: i })) } }] } })],
    ['a 200 KB message template', (n) => ({ logentry: { message: fill('\n \n', n) } })],
    ['a 200 KB SDK name', (n) => ({ sdk: { name: 'sentry.javascript.' + fill('browser', n) } })],
  ];
  it.each(events)('%s: linear time, and the result passes the report schema', (_name, make) => {
    expectLinear(
      (n) => JSON.stringify(make(n)),
      (s) => {
        const { input } = eventToReport(JSON.parse(s) as Record<string, unknown>, 'shop');
        expect(reportSchema.safeParse(input).success).toBe(true);
      },
    );
  });

  it("never throws on any JSON object but the catalogue's 400 for impossible frame numbers, and always yields a valid report (fast-check, seeded)", () => {
    const sentryish = fc.record(
      {
        exception: fc.oneof(fc.jsonValue(), fc.record({ values: fc.array(fc.record({ type: fc.jsonValue(), value: fc.jsonValue(), stacktrace: fc.record({ frames: fc.array(fc.dictionary(fc.constantFrom('filename', 'abs_path', 'lineno', 'colno', 'function', 'in_app', 'context_line'), fc.jsonValue())) }) }, { requiredKeys: [] })) })),
        message: fc.jsonValue(),
        logentry: fc.jsonValue(),
        tags: fc.jsonValue(),
        fingerprint: fc.jsonValue(),
        request: fc.oneof(fc.jsonValue(), fc.record({ url: fc.jsonValue(), method: fc.jsonValue(), headers: fc.jsonValue() })),
        user: fc.jsonValue(),
        timestamp: fc.oneof(fc.jsonValue(), fc.double(), fc.string()),
        event_id: fc.oneof(fc.uuid(), fc.string()),
        threads: fc.jsonValue(),
        sdk: fc.jsonValue(),
        platform: fc.jsonValue(),
        release: fc.jsonValue(),
        environment: fc.jsonValue(),
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(sentryish, fc.jsonValue(), (event, headerId) => {
        let adapted;
        try {
          adapted = eventToReport(event as Record<string, unknown>, 'shop', headerId);
        } catch (err) {
          expect(err).toBeInstanceOf(AppError);
          expect((err as AppError).code).toBe('invalid_event');
          expect((err as AppError).message).toMatch(/(lineno|colno) must be a whole number/);
          return;
        }
        expect(adapted.eventId).toMatch(/^[0-9a-f]{32}$/);
        const parsed = reportSchema.safeParse(adapted.input);
        expect(parsed.success, JSON.stringify(parsed.error?.issues)).toBe(true);
      }),
      { seed: 20260602, numRuns: 1000 },
    );
  });

  it('reads timestamps of any form without throwing', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.double(), fc.integer(), fc.jsonValue()), (v) => {
        const t = eventTime(v);
        expect(t === undefined || !Number.isNaN(Date.parse(t))).toBe(true);
      }),
      { seed: 20260603, numRuns: 2000 },
    );
  });
});

describe('the report schema and pipeline', () => {
  const reports: Array<[string, (n: number) => Record<string, unknown>]> = [
    ['a 200 KB timestamp', (n) => ({ timestamp: '2026-01-01T00:00:00' + fill('0', n) })],
    ['a 200 KB timestamp of "T:"', (n) => ({ timestamp: fill('2026-01-01T', n) })],
    ['a 200 KB request_url with "?&=" (refused by length)', (n) => ({ request_url: fill('?&=', n) })],
    ['an 8 KB request_url of "?a=&" pairs, scrubbed', () => ({ request_url: 'https://x/' + fill('?token=&', 8000) })],
    ['a 200 KB traceback of "at at at ("', (n) => ({ traceback: fill('at at at (', n) })],
    ['a 200 KB traceback of "@@@@"', (n) => ({ traceback: fill('@', n) })],
    ['a 200 KB traceback of `File "`', (n) => ({ traceback: fill('File "', n) })],
    ['a 200 KB fingerprint list', (n) => ({ fingerprint: fill('{{ default }}', n) })],
    ['extra with thousands of secret-looking keys', (n) => ({ extra: Object.fromEntries(Array.from({ length: n / 20 }, (_, i) => [`x-Session_Token-${i}`, 'v'])) })],
    ['extra with thousands of camel-case keys (word split)', (n) => ({ extra: Object.fromEntries(Array.from({ length: n / 20 }, (_, i) => [`aBcDeFgHiJ${i}`, 'v'])) })],
  ];
  it.each(reports)('%s: prepared in linear time, or a 400', (_name, make) => {
    expectLinear(
      (n) => JSON.stringify({ project: 'p', exception_type: 'E', ...make(n) }),
      // A fresh matcher per call: its memo of verdicts (10,000 keys) would hold every key of the
      // small input and none of the large one's, and the check would compare a warm cache with a cold one.
      (s) => settle(() => prepareReport(JSON.parse(s), { isSecret: keyMatcher(), now })),
    );
  });

  // The work of scrubbing, counted rather than timed: each key of `extra` is judged once, with
  // nothing in proportion to the other keys, however many there are.
  it.each([
    ['secret-looking keys', (i: number) => `x-Session_Token-${i}`],
    ['camel-case keys', (i: number) => `aBcDeFgHiJ${i}`],
  ])('extra with thousands of %s: each key judged once (counted)', (_name, key) => {
    for (const keys of [100, 1_000, 10_000, 20_000]) {
      const judged: string[] = [];
      const matcher = keyMatcher();
      const counting = (k: string) => (judged.push(k), matcher(k));
      const extra = Object.fromEntries(Array.from({ length: keys }, (_, i) => [key(i), 'v']));
      const prepared = prepareReport({ project: 'p', exception_type: 'E', extra }, { isSecret: counting, now });
      expect(judged).toHaveLength(keys);
      expect(new Set(judged).size).toBe(keys);
      // What is stored is cut to the extra cap (ingest/limits.ts): its first keys, in order.
      const kept = Object.keys(prepared.extra!).filter((k) => k !== '…');
      expect(kept.length).toBeGreaterThan(0);
      expect(kept).toEqual(Object.keys(extra).slice(0, kept.length));
    }
  });

  it('prepares or refuses any JSON value, never throwing anything else (fast-check, seeded)', () => {
    const field = fc.oneof(fc.string(), fc.jsonValue(), fc.constant(null));
    const reportish = fc.record(
      {
        project: fc.oneof(fc.string({ minLength: 1, maxLength: 20 }), field),
        exception_type: fc.oneof(fc.string({ minLength: 1, maxLength: 20 }), field),
        message: field,
        traceback: fc.oneof(fc.string(), fc.array(fc.constantFrom('  File "', '", line ', '    at ', '(', ')', '@', ':1:2', '\n', 'Traceback (most recent call last):\n')).map((a) => a.join(''))),
        request_url: field,
        request_headers: field,
        extra: field,
        user_id: field,
        timestamp: fc.oneof(fc.date({ noInvalidDate: true }).map((d) => d.toISOString()), field),
        fingerprint: field,
        source: fc.oneof(fc.constantFrom('browser', 'server'), field),
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(fc.oneof(reportish, fc.jsonValue()), (body) => {
        settle(() => {
          const prepared = prepareReport(body, { isSecret, now });
          expect(prepared.fingerprint).toMatch(/^[0-9a-f]{32}$/);
        });
      }),
      { seed: 20260604, numRuns: 2000 },
    );
  });

  it('URL scrubbing and log redaction run in linear time on 200 KB URLs', () => {
    expectLinear((n) => 'https://u:p@x/?' + fill('&', n), (s) => scrubUrl(s, isSecret));
    expectLinear((n) => '/api/errors?' + fill('key=', n), (s) => redactUrl(s));
    expectLinear((n) => '/api/errors?' + fill('&key', n), (s) => redactUrl(s));
  });

  it('a traceback of MAX_BODY_BYTES is parsed whole: the last frame is found', () => {
    const frames = fill('    at f (/srv/app/node_modules/a/b.js:10:20)\n', 256 * KB - 100);
    const stack = parseStack(`Error: x\n${frames.slice(0, frames.lastIndexOf('\n') + 1)}    at main (/srv/app/main.js:1:2)\n`);
    expect(stack.frames.at(-1)).toMatchObject({ file: '/srv/app/main.js', line: 1 });
  });
});
