// EventDetails from Sentry events: lenient shapes, per-field caps, the whole-size cap, and scrubbing (pure).
import { describe, expect, it } from 'vitest';
import { detailsFromSentry } from '../../../src/ingest/event/from-sentry.js';
import { fitWithin, LIMITS } from '../../../src/ingest/event/limits.js';
import { scrubDetails } from '../../../src/ingest/event/scrub-details.js';
import { keyMatcher } from '../../../src/ingest/scrub.js';
import { decodeDetails, encodeDetails } from '../../../src/store/occurrence-details.js';

const isSecret = keyMatcher();

describe('detailsFromSentry', () => {
  it.each([
    ['breadcrumbs as a list', { breadcrumbs: [{ message: 'a' }] }, { breadcrumbs: [{ message: 'a' }] }],
    ['breadcrumbs as {values}, float seconds kept (the API answers ISO 8601)', { breadcrumbs: { values: [{ message: 'a', timestamp: 1700000000 }] } }, { breadcrumbs: [{ message: 'a', timestamp: 1700000000 }] }],
    ['tags as pairs, nulls dropped, repeats once', { tags: [['a', 'x'], ['b', null], ['a', 'y']] }, { tags: { a: 'x' } }],
    ['user {{auto}} address dropped, the rest as data', { user: { id: 7, ip_address: '{{auto}}', segment: 'paid' } }, { user: { id: '7', data: { segment: 'paid' } } }],
    ['nulls everywhere', { level: null, user: null, tags: null, breadcrumbs: null, contexts: null, exception: null, request: null, sdk: null }, {}],
    ['an exception with only nulls is dropped', { exception: { values: [{ type: null, value: null }] } }, {}],
    ['contexts kept as sent', { contexts: { os: { version: '12.11\n' } } }, { contexts: { os: { version: '12.11\n' } } }],
  ])('%s', (_name, event, expected) => {
    expect(detailsFromSentry(event as Record<string, unknown>)).toEqual(expected);
  });

  it('caps: the last 100 breadcrumbs, 100 tags, 200-character tag values, a deep stack kept at both ends', () => {
    const frames = Array.from({ length: 500 }, (_, i) => ({ filename: 'a.js', lineno: i }));
    const d = detailsFromSentry({
      breadcrumbs: Array.from({ length: 250 }, (_, i) => ({ message: String(i) })),
      tags: Object.fromEntries(Array.from({ length: 150 }, (_, i) => [`k${i}`, 'v'.repeat(300)])),
      exception: [{ type: 'RangeError', stacktrace: { frames } }],
    });
    expect(d.breadcrumbs).toHaveLength(LIMITS.breadcrumbs);
    expect(d.breadcrumbs![0]!.message).toBe('150');
    expect(Object.keys(d.tags!)).toHaveLength(LIMITS.tags);
    expect(d.tags!.k0).toHaveLength(LIMITS.tagValue);
    const [e] = d.exceptions!;
    expect(e!.frames).toHaveLength(LIMITS.frames);
    expect([e!.frames![0]!.lineno, e!.frames!.at(-1)!.lineno, e!.frames_omitted]).toEqual([0, 499, 400]);
  });

  it('a hostile nesting or width in data is cut, not walked', () => {
    let deep: Record<string, unknown> = { leaf: 1 };
    for (let i = 0; i < 10_000; i++) deep = { d: deep };
    const wide = Object.fromEntries(Array.from({ length: 100_000 }, (_, i) => [`k${i}`, i]));
    const d = detailsFromSentry({ contexts: { deep, wide } });
    expect(JSON.stringify(d).length).toBeLessThan(20_000);
  });

  it('the whole stays under the cap, cutting context lines, then breadcrumbs, then contexts', () => {
    const line = 'x'.repeat(300);
    const frames = Array.from({ length: 100 }, (_, i) => ({ filename: 'a.py', lineno: i, pre_context: [line, line, line, line, line], context_line: line, post_context: [line, line, line, line, line] }));
    const event = {
      exception: Array.from({ length: 10 }, () => ({ type: 'E', stacktrace: { frames } })),
      breadcrumbs: Array.from({ length: 100 }, () => ({ message: 'y'.repeat(1000) })),
      contexts: { big: { s: 'z'.repeat(1000) } },
    };
    const d = detailsFromSentry(event);
    expect(Buffer.byteLength(JSON.stringify(d))).toBeLessThanOrEqual(LIMITS.detailsBytes);
    expect(d.exceptions![0]!.frames![0]!.context_line).toBeUndefined();
    const small = fitWithin({ breadcrumbs: [{ message: 'a' }], contexts: { os: { name: 'Linux' } } });
    expect(small).toEqual({ breadcrumbs: [{ message: 'a' }], contexts: { os: { name: 'Linux' } } });
  });
});

describe('scrubDetails', () => {
  it.each([
    ['a password in breadcrumb data', { breadcrumbs: [{ data: { password: 'p', keep: 1 } }] }, { breadcrumbs: [{ data: { password: '[redacted]', keep: 1 } }] }],
    ['a token in a fetch breadcrumb URL', { breadcrumbs: [{ data: { url: '/api?token=t&q=1' } }] }, { breadcrumbs: [{ data: { url: '/api?token=[redacted]&q=1' } }] }],
    ['a token in a breadcrumb message URL', { breadcrumbs: [{ message: 'GET https://x/a?api_key=k failed' }] }, { breadcrumbs: [{ message: 'GET https://x/a?api_key=[redacted] failed' }] }],
    ['a tag named as a secret', { tags: { session_id: 's', area: 'eu' } }, { tags: { session_id: '[redacted]', area: 'eu' } }],
    ['a token in a tag value that is a query', { tags: { url: 'https://x/?token=abc' } }, { tags: { url: 'https://x/?token=[redacted]' } }],
    ['a cookie string in the request', { request: { cookies: 'a=1; session=s; csrftoken=c' } }, { request: { cookies: 'a=1; session=[redacted]; csrftoken=[redacted]' } }],
    ['a cookie object in the request', { request: { cookies: { a: '1', sessionid: 's' } } }, { request: { cookies: { a: '1', sessionid: '[redacted]' } } }],
    ['form data as a string', { request: { data: 'user=a&password=p' } }, { request: { data: 'user=a&password=[redacted]' } }],
    ['a secret in a context', { contexts: { app: { secret_key: 'k', session: { duration: 3 } } } }, { contexts: { app: { secret_key: '[redacted]', session: '[redacted]' } } }],
    ['a secret in user data', { user: { id: '1', data: { auth_token: 't' } } }, { user: { id: '1', data: { auth_token: '[redacted]' } } }],
    ['a secret in mechanism data', { exceptions: [{ type: 'E', mechanism: { type: 'x', data: { password: 'p' } } }] }, { exceptions: [{ type: 'E', mechanism: { type: 'x', data: { password: '[redacted]' } } }] }],
    ['a __proto__ tag whose value carries a token', JSON.parse('{"tags":{"__proto__":"https://x/?token=abc"}}'), JSON.parse('{"tags":{"__proto__":"https://x/?token=[redacted]"}}')],
    ['session:duration is no secret', { contexts: { trace: { 'session:duration': 5 } } }, { contexts: { trace: { 'session:duration': 5 } } }],
  ])('%s', (_name, details, expected) => {
    expect(scrubDetails(details as never, isSecret)).toEqual(expected);
  });
});

describe('stored form', () => {
  it('small details as JSON text, large ones deflated, both read back the same', () => {
    const small = { level: 'error', tags: { a: 'b' } };
    expect(typeof encodeDetails(small)).toBe('string');
    const large = { breadcrumbs: Array.from({ length: 100 }, (_, i) => ({ message: `step ${i} of the checkout`, category: 'ui.click' })) };
    const packed = encodeDetails(large);
    expect(Buffer.isBuffer(packed)).toBe(true);
    expect(decodeDetails(packed)).toEqual(large);
    expect(decodeDetails(encodeDetails(small))).toEqual(small);
    expect(encodeDetails(null)).toBeNull();
    expect(decodeDetails(Buffer.from('not deflate'))).toBeNull();
  });
});
