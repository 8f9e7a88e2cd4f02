// The Sentry event adapter and envelope grammar, table-driven (pure functions).
import { describe, expect, it } from 'vitest';
import { keyFromAuthHeader, keyFromDsn } from '../../../src/ingest/sentry/auth.js';
import { parseEnvelope } from '../../../src/ingest/sentry/envelope.js';
import { eventTime, eventToReport, normaliseEventId } from '../../../src/ingest/sentry/event-to-report.js';
import { detailsFromSentry } from '../../../src/ingest/event/from-sentry.js';
import { fingerprint } from '../../../src/ingest/fingerprint.js';
import { messageFingerprint } from '../../../src/ingest/grouping/index.js';
import { prepareValidReport } from '../../../src/ingest/pipeline.js';
import { keyMatcher } from '../../../src/ingest/scrub.js';

const prepare = (event: Record<string, unknown>) => {
  const r = eventToReport(event, 'p');
  return { ...r, report: prepareValidReport(r.input, { isSecret: keyMatcher(), now: new Date('2026-03-01T12:00:00Z') }, r.stack, r.grouping) };
};
const frames = (...fs: Array<Record<string, unknown>>) => ({ stacktrace: { frames: fs } });

describe('eventToReport', () => {
  it('crash frame: the last in-app frame; abs_path when there is no filename; the last frame when none is in-app', () => {
    const a = prepare({ exception: { values: [{ type: 'E', value: 'v', ...frames({ filename: '/a.js', lineno: 1, in_app: true }, { abs_path: '/b.js', lineno: 2, in_app: true }, { filename: '/node_modules/x.js', lineno: 3, in_app: false }) }] } });
    expect(a.report).toMatchObject({ file: '/b.js', line: 2, exceptionType: 'E', message: 'v' });
    const b = prepare({ exception: [{ type: 'E', ...frames({ filename: 'node:internal/x', lineno: 1, in_app: false }, { filename: '/node_modules/y.js', lineno: 9, in_app: false }) }] });
    expect(b.report).toMatchObject({ file: '/node_modules/y.js', line: 9 });
    const c = prepare({ exception: { type: 'E', value: 'bare dict', ...frames({ filename: 'https://x/app.js?v=3', lineno: 4, in_app: true }) } });
    expect(c.report).toMatchObject({ file: 'https://x/app.js', line: 4, message: 'bare dict' });
  });

  it('message-only events group by the message template, not its interpolation', () => {
    const one = prepare({ logentry: { message: 'payment failed for %s', formatted: 'payment failed for order-77', params: ['order-77'] } });
    const two = prepare({ logentry: { message: 'payment failed for %s', formatted: 'payment failed for order-78' } });
    const three = prepare({ message: 'plain message here', level: 'info' });
    expect(one.report.fingerprint).toBe(two.report.fingerprint);
    expect(one.report).toMatchObject({ exceptionType: 'Message', message: 'payment failed for order-77' });
    expect(three.report.fingerprint).toBe(messageFingerprint('p', 'plain message here'));
    expect(three.report.fingerprint).not.toBe(one.report.fingerprint);
  });

  it('a client fingerprint overrides, with {{ default }} for type:file:line, non-strings coerced', () => {
    const e = { exception: { values: [{ type: 'E', ...frames({ filename: '/a.js', lineno: 5, in_app: true }) }] } };
    expect(prepare({ ...e, fingerprint: ['{{ default }}', 'tenant-1', 7, null] }).report.fingerprint).toBe(
      fingerprint({ project: 'p', exceptionType: 'E', file: '/a.js', line: 5, override: ['{{ default }}', 'tenant-1', '7'] }),
    );
  });

  it('user id falls back id, email, ip; tags as a list of pairs; browser platform is source browser', () => {
    expect(prepare({ message: 'm', user: { email: 'a@b.c', ip_address: '1.2.3.4' } }).report.userId).toBe('a@b.c');
    expect(prepare({ message: 'm', user: { ip_address: '1.2.3.4' } }).report.userId).toBe('1.2.3.4');
    expect(prepare({ message: 'm', user: { ip_address: '{{auto}}' } }).report.userId).toBeNull();
    expect(detailsFromSentry({ message: 'm', tags: [['a', 'b'], ['n', 1]] }).tags).toEqual({ a: 'b', n: '1' });
    expect(prepare({ message: 'm', platform: 'javascript' }).report.source).toBe('browser');
    expect(prepare({ message: 'm', platform: 'node' }).report.source).toBe('server');
    expect(prepare({ message: 'm', request: { headers: [['X-A', '1']], url: 'https://x/?password=p' } }).report).toMatchObject({ requestHeaders: { 'X-A': '1' }, requestUrl: 'https://x/?password=[redacted]' });
  });

  it.each([
    [1795253095.681, '2026-11-21T09:24:55.681Z'],
    ['2026-11-21T09:25:31.687198Z', '2026-11-21T09:25:31.687Z'],
    ['2011-05-02T17:41:36', '2011-05-02T17:41:36.000Z'],
    ['2026-11-21T09:25:31.6871987+00:00', '2026-11-21T09:25:31.687Z'],
    ['1700000000', '2023-11-14T22:13:20.000Z'],
    ['not a date', undefined],
  ])('timestamp %s -> %s', (given, expected) => {
    expect(eventTime(given)).toBe(expected);
  });

  it('event ids: dashed or upper-case normalised, the header first, generated when absent', () => {
    expect(normaliseEventId('F2D37F29-CB6C-41BB-BD1D-53856C38BCC8')).toBe('f2d37f29cb6c41bbbd1d53856c38bcc8');
    expect(eventToReport({ event_id: 'a'.repeat(32) }, 'p', 'b'.repeat(32)).eventId).toBe('b'.repeat(32));
    expect(eventToReport({}, 'p').eventId).toMatch(/^[0-9a-f]{32}$/);
  });
});

describe('parseEnvelope', () => {
  it('reads items with and without length, skips nothing, and stops at an item header that is not JSON', () => {
    const env = parseEnvelope(Buffer.from('{"event_id":"x"}\n{"type":"a","length":2}\n\n\n\n{"type":"b"}\n{"k":1}\nnot json\n{"type":"c"}\n{}'));
    expect(env.header).toEqual({ event_id: 'x' });
    expect(env.items.map((i) => [i.type, i.payload.toString()])).toEqual([['a', '\n\n'], ['b', '{"k":1}']]);
    expect(parseEnvelope(Buffer.from('{}')).items).toEqual([]);
    expect(parseEnvelope(Buffer.from('{}\n')).items).toEqual([]);
    expect(parseEnvelope(Buffer.from('{}\n{"type":"e","length":0}\n')).items[0]!.payload.length).toBe(0);
  });
});

describe('sentry auth forms', () => {
  it.each([
    ['Sentry sentry_key=abc, sentry_version=7', 'abc'],
    ['sentry sentry_version=7,sentry_key= abc ', 'abc'],
    ['Bearer abc', undefined],
    ['Sentry sentry_version=7', undefined],
  ])('%s', (header, key) => {
    expect(keyFromAuthHeader(header)).toBe(key);
  });
  it('takes the key from a DSN', () => {
    expect(keyFromDsn('https://0123456789abcdef0123456789abcdef@errors.example.com/42')).toBe('0123456789abcdef0123456789abcdef');
    expect(keyFromDsn('not a url')).toBeUndefined();
  });
});
