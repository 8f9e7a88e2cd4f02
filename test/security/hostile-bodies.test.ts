// Hostile report bodies on POST /api/errors and the Sentry endpoints: a clear 4xx or stored safely, never a 500.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LIMITS } from '../../src/ingest/limits.js';
import { auth, buildTestApp, postError, report, type TestApp } from '../helper.js';

let t: TestApp;
let project: { id: number; ingest_key: string };
beforeEach(async () => {
  // Room for the 100,000-key objects; the default 256 KB limit refuses them with 413 before parsing.
  t = await buildTestApp({ MAX_BODY_BYTES: String(4 * 1024 * 1024) });
  project = (await t.app.inject({ method: 'POST', url: '/api/projects', headers: auth, payload: { name: 'shop' } })).json();
});
afterEach(async () => {
  await t.close();
  // Nothing may have leaked onto the prototype of every object in the process.
  for (const key of ['polluted', 'isAdmin', 'z']) expect(key in {}).toBe(false);
});

const rawPost = (payload: string | Buffer, contentType = 'application/json') =>
  t.app.inject({ method: 'POST', url: '/api/errors', headers: { ...auth, 'content-type': contentType }, payload });
const sentryStore = (payload: string | Buffer) =>
  t.app.inject({ method: 'POST', url: `/api/${project.id}/store/?sentry_key=${project.ingest_key}`, payload });

async function stored(id: number) {
  const res = await t.app.inject({ url: `/api/errors/${id}`, headers: auth });
  expect(res.statusCode).toBe(200);
  return res.json() as { error: Record<string, unknown>; occurrences: Array<Record<string, any>> };
}

function expectClientError(res: { statusCode: number; json: () => any }) {
  expect(res.statusCode).toBeGreaterThanOrEqual(400);
  expect(res.statusCode).toBeLessThan(500);
  expect(res.json()).toEqual(expect.objectContaining({ error: expect.any(String), code: expect.any(String) }));
}

const nested = (depth: number, open: string, close: string, inner = '1') => open.repeat(depth) + inner + close.repeat(depth);

describe('deeply nested JSON', () => {
  it.each([
    ['arrays 100,000 deep in extra', `{"project":"p","exception_type":"E","extra":{"a":${nested(100_000, '[', ']')}}}`],
    ['objects 50,000 deep in extra', `{"project":"p","exception_type":"E","extra":${nested(50_000, '{"a":', '}')}}`],
    ['objects 50,000 deep in request_headers', `{"project":"p","exception_type":"E","request_headers":${nested(50_000, '{"a":', '}')}}`],
  ])('%s: stored, cut at a fixed depth', async (_name, body) => {
    const res = await rawPost(body);
    expect(res.statusCode).toBe(201);
    const { occurrences } = await stored(res.json().id);
    expect(JSON.stringify(occurrences[0]).length).toBeLessThan(2000);
    expect(JSON.stringify(occurrences[0])).toContain('[too deep]');
  });

  it.each(['tags', 'fingerprint', 'extra', 'contexts', 'user', 'request'])('a Sentry event with %s nested 100,000 deep: not a 500', async (field) => {
    const value = field === 'fingerprint' ? `[${nested(100_000, '[', ']')}]` : `{"a":${nested(100_000, '[', ']')}}`;
    const res = await sentryStore(`{"exception":{"values":[{"type":"E","value":"deep"}]},"${field}":${value}}`);
    expect(res.statusCode).toBe(200);
    expect(res.json().id).toMatch(/^[0-9a-f]{32}$/);
  });

  it('a 100,000-deep body that is not an object at all: 400', async () => {
    expectClientError(await rawPost(nested(100_000, '[', ']')));
  });
});

describe('__proto__ and constructor keys', () => {
  const hostile = '{"__proto__":{"polluted":1},"constructor":{"prototype":{"isAdmin":true}},"nested":{"__proto__":{"z":1}}}';

  it('in extra and request_headers of a native report: stored as plain data, nothing polluted', async () => {
    const res = await rawPost(`{"project":"p","exception_type":"E","extra":${hostile},"request_headers":${hostile},"__proto__":{"polluted":1}}`);
    expect(res.statusCode).toBe(201);
    const { occurrences } = await stored(res.json().id);
    for (const part of [occurrences[0]!.extra, occurrences[0]!.request_headers]) {
      expect(Object.getOwnPropertyDescriptor(part, '__proto__')?.value).toEqual({ polluted: 1 });
      expect(part.constructor).toEqual({ prototype: { isAdmin: true } });
      expect(Object.getOwnPropertyDescriptor(part.nested, '__proto__')?.value).toEqual({ z: 1 });
    }
  });

  it('in a Sentry event (extra, tags, contexts, request headers): stored as data, nothing polluted', async () => {
    const res = await sentryStore(
      `{"exception":{"values":[{"type":"E"}]},"extra":${hostile},"contexts":${hostile},"tags":{"__proto__":"t","constructor":"c"},"request":{"headers":{"__proto__":"h"}}}`,
    );
    expect(res.statusCode).toBe(200);
    const list = (await t.app.inject({ url: '/api/errors?project=shop', headers: auth })).json();
    const { occurrences } = await stored(list.errors[0].id);
    const extra = occurrences[0]!.extra;
    expect(Object.getOwnPropertyDescriptor(extra.extra, '__proto__')?.value).toEqual({ polluted: 1 });
    // Tags and contexts are the occurrence's own fields since issue 16.
    expect(Object.getOwnPropertyDescriptor(occurrences[0]!.tags, '__proto__')?.value).toBe('t');
    expect(occurrences[0]!.tags.constructor).toBe('c');
    expect(Object.getOwnPropertyDescriptor(occurrences[0]!.contexts, '__proto__')?.value).toEqual({ polluted: 1 });
    expect(Object.getOwnPropertyDescriptor(occurrences[0]!.request_headers, '__proto__')?.value).toBe('h');
  });

  it('as a project name or a query parameter: an ordinary string', async () => {
    expect((await postError(t.app, report({ project: '__proto__' }))).statusCode).toBe(201);
    expect((await postError(t.app, report({ project: 'constructor' }))).statusCode).toBe(201);
    const res = await t.app.inject({ url: '/api/errors?project=__proto__&__proto__[polluted]=1&constructor=1', headers: auth });
    expect(res.statusCode).toBe(200);
    expect(res.json().errors.map((e: { project: string }) => e.project)).toEqual(['__proto__']);
    expect((await t.app.inject({ url: '/api/projects/__proto__', headers: auth })).json()).toMatchObject({ name: '__proto__' });
  });
});

describe('bytes that are not what they claim', () => {
  it('invalid UTF-8 in a JSON body: stored with replacement characters', async () => {
    const body = Buffer.concat([Buffer.from('{"project":"p","exception_type":"E","message":"a'), Buffer.from([0xff, 0xfe, 0xc3, 0x28, 0xed, 0xa0, 0x80]), Buffer.from('b"}')]);
    const res = await rawPost(body);
    expect(res.statusCode).toBe(201);
    const { error } = await stored(res.json().id);
    expect(error.message).toMatch(/^a\uFFFD+\(\uFFFD+b$/);
  });

  it('invalid UTF-8 and binary garbage to the Sentry endpoints: a 4xx, or dropped items', async () => {
    const garbage = Buffer.from([0xff, 0xfe, 0x00, 0x01, 0x0a, 0xc3, 0x0a, 0x7b]);
    expectClientError(await sentryStore(garbage));
    const envelope = await t.app.inject({ method: 'POST', url: `/api/${project.id}/envelope/?sentry_key=${project.ingest_key}`, payload: garbage });
    expectClientError(envelope);
  });

  it('NUL bytes and lone surrogates in every text field: stored and read back exactly', async () => {
    const odd = 'a\u0000b\ud800c\udfffd';
    const res = await postError(t.app, report({ project: `p${odd}`, exception_type: `E${odd}`, message: odd, traceback: odd, user_id: odd, release: odd, environment: odd, request_url: `https://x/${odd}` }));
    expect(res.statusCode).toBe(201);
    const { error, occurrences } = await stored(res.json().id);
    // Lone surrogates cannot be UTF-8; they come back as U+FFFD, and the NUL stays where it was.
    const expected = /^(p|E|https:\/\/x\/)?a\u0000b\uFFFDc\uFFFDd$/;
    for (const field of ['project', 'exception_type', 'message', 'traceback']) expect(error[field], field).toMatch(expected);
    for (const field of ['user_id', 'release', 'environment', 'request_url']) expect(occurrences[0]![field], field).toMatch(expected);
  });

  it('a NUL in the URL path or a key header: a 4xx', async () => {
    expectClientError(await t.app.inject({ url: '/api/errors/1%00', headers: auth }));
    expectClientError(await t.app.inject({ url: '/api/projects/a%00b', headers: auth }));
  });
});

describe('size and shape', () => {
  const keys = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, i]));

  it('a 100,000-key object in extra and request_headers: stored cut to the limits, and the service still answers', async () => {
    const res = await postError(t.app, report({ extra: keys(100_000), request_headers: keys(100_000) }));
    expect(res.statusCode).toBe(201);
    const { occurrences } = await stored(res.json().id);
    expect(JSON.stringify(occurrences[0]!.extra).length).toBeLessThanOrEqual(LIMITS.extra.max);
    expect(JSON.stringify(occurrences[0]!.request_headers).length).toBeLessThanOrEqual(LIMITS.requestHeaders.max);
    expect(occurrences[0]!.extra).toMatchObject({ k0: 0, '…': expect.stringMatching(/^\d+ more keys cut$/) });
    expect((await t.app.inject({ url: '/health' })).statusCode).toBe(200);
  });

  it('a 100,000-key body: the unknown keys are ignored', async () => {
    expect((await postError(t.app, { ...keys(100_000), ...report() })).statusCode).toBe(201);
  });

  it('a 100,000-key Sentry event: stored or refused by size, never a 500', async () => {
    const res = await sentryStore(JSON.stringify({ exception: { values: [{ type: 'E' }] }, tags: keys(30_000), extra: keys(30_000) }));
    expect(res.statusCode).toBe(200);
    const big = await sentryStore(JSON.stringify({ exception: { values: [{ type: 'E' }] }, extra: keys(100_000) }));
    expect(big.statusCode).toBe(413); // one Sentry event is capped at 1 MiB, as Sentry does
  });

  it.each(['project', 'exception_type', 'request_url', 'request_method', 'user_id', 'release', 'environment', 'timestamp', 'fingerprint', 'source'])(
    'a 1 MB string in %s: a 400 naming the field',
    async (field) => {
      const res = await postError(t.app, report({ [field]: 'x'.repeat(1024 * 1024) }));
      expectClientError(res);
      expect(res.json().details.map((d: { path: string }) => d.path)).toEqual([field]);
      expect(res.body.length).toBeLessThan(2000); // the reply does not echo the value
    },
  );

  it.each(['message', 'traceback'] as const)('a 1 MB string in %s: stored cut to its limit', async (field) => {
    const res = await postError(t.app, report({ [field]: 'y'.repeat(1024 * 1024) }));
    expect(res.statusCode).toBe(201);
    const { error } = await stored(res.json().id);
    expect((error[field] as string).length).toBeLessThanOrEqual(LIMITS[field].max);
    expect(error[field] as string).toMatch(/^y{1000}/);
  });

  it('1 MB keys and values in extra and request_headers: stored cut (redacted where the name says so, before the cut)', async () => {
    const long = 'z'.repeat(512 * 1024);
    const res = await postError(t.app, report({ extra: { [long]: long }, request_headers: { [`x-token-${long}`]: long } }));
    expect(res.statusCode).toBe(201);
    const { occurrences } = await stored(res.json().id);
    const [[key, value]] = Object.entries(occurrences[0]!.extra) as [[string, string]];
    expect(key).toMatch(/^z+…$/);
    expect(value).toMatch(/^z+…$/);
    expect(Object.values(occurrences[0]!.request_headers)).toEqual(['[redacted]']);
  });

  it.each([
    ['project', 42],
    ['exception_type', true],
    ['message', 3.5],
    ['traceback', ['a']],
    ['request_url', {}],
    ['request_headers', 'x'],
    ['extra', [1, 2]],
    ['timestamp', 1_700_000_000],
    ['fingerprint', 7],
    ['release', { a: 1 }],
    ['source', 1],
  ])('%s given %j: a 400 naming the field', async (field, value) => {
    const res = await postError(t.app, report({ [field]: value }));
    expectClientError(res);
    expect(res.json().details.map((d: { path: string }) => d.path)).toEqual([field]);
  });

  it('numbers where the Sentry protocol expects strings: taken as text', async () => {
    const res = await sentryStore(JSON.stringify({ exception: { values: [{ type: 404, value: 1.5, stacktrace: { frames: [{ filename: 7, lineno: '3', function: 9 }] } }] }, release: 2, environment: 3, user: { id: 42 }, message: 5, timestamp: 'soon' }));
    expect(res.statusCode).toBe(200);
    const list = (await t.app.inject({ url: '/api/errors?project=shop', headers: auth })).json();
    expect(list.errors[0]).toMatchObject({ exception_type: '404', message: '1.5', release: '2', environment: '3' });
  });
});
