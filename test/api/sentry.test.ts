// The Sentry endpoints through app.inject: the request shapes of sentry-python 2.x/1.x, auth, limits, replies.
import { createHash } from 'node:crypto';
import { brotliCompressSync, deflateRawSync, deflateSync, gzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { auth, buildTestApp, type TestApp } from '../helper.js';

const md5 = (s: string) => createHash('md5').update(s).digest('hex');

let t: TestApp;
let project: { id: number; ingest_key: string; name: string };
beforeEach(async () => {
  t = await buildTestApp();
  project = (await t.app.inject({ method: 'POST', url: '/api/projects', headers: auth, payload: { name: 'shop' } })).json();
});
afterEach(async () => {
  await t.close();
});

/** sentry-python 2.x: `raise ValueError(...) from KeyError`, as in sentry-protocol.md §8.3. */
function pythonEvent(eventId: string) {
  return {
    level: 'error',
    exception: {
      values: [
        {
          mechanism: { type: 'generic', handled: true },
          module: null,
          type: 'KeyError',
          value: "'id'",
          stacktrace: {
            frames: [
              { filename: 'shop/orders.py', abs_path: '/srv/app/shop/orders.py', function: 'handle', module: 'shop.orders', lineno: 18, context_line: '        parse_order(data)', in_app: true },
              { filename: 'shop/orders.py', abs_path: '/srv/app/shop/orders.py', function: 'parse_order', module: 'shop.orders', lineno: 13, context_line: '    order_id = data["id"]', in_app: true },
            ],
          },
        },
        {
          mechanism: { type: 'generic', handled: true },
          module: null,
          type: 'ValueError',
          value: 'order id missing',
          stacktrace: {
            frames: [
              { filename: '/usr/lib/python3.11/runpy.py', abs_path: '/usr/lib/python3.11/runpy.py', function: '_run_code', lineno: 88, in_app: false },
              { filename: 'shop/orders.py', abs_path: '/srv/app/shop/orders.py', function: 'handle', module: 'shop.orders', lineno: 20, context_line: '        raise ValueError("order id missing") from e', vars: { data: {} }, in_app: true },
              { filename: 'json/decoder.py', abs_path: '/usr/lib/python3.11/json/decoder.py', function: 'decode', lineno: 337, in_app: false },
            ],
          },
        },
      ],
    },
    event_id: eventId,
    timestamp: '2026-03-01T11:59:31.687198Z',
    contexts: { trace: { trace_id: '6b672e4cf9b14dd5a14d44af034a3edb', span_id: 'a30ff9e2edf4d226', parent_span_id: null }, runtime: { name: 'CPython', version: '3.11.2' } },
    user: { id: 'u-1', email: 'jane@example.com' },
    tags: { feature: 'checkout' },
    breadcrumbs: { values: [{ category: 'auth', message: 'user logged in', level: 'info', timestamp: '2026-03-01T11:59:31.686711Z', type: 'default' }] },
    extra: { 'sys.argv': ['app.py'] },
    request: { url: 'https://shop.example.com/checkout?token=abc', method: 'POST', headers: { 'User-Agent': 'curl/8', Cookie: 'sid=1' } },
    release: 'myapp@1.2.3',
    environment: 'production',
    server_name: 'web-1',
    sdk: { name: 'sentry.python', version: '2.68.0' },
    platform: 'python',
  };
}

/** sentry-python 2.x framing: every item has content_type and length, every payload ends with \n. */
function pythonEnvelope(event: Record<string, unknown>, extraItems: string[] = []): Buffer {
  const payload = Buffer.from(JSON.stringify(event));
  const parts = [
    JSON.stringify({ event_id: event.event_id, sent_at: '2026-03-01T11:59:31.739835Z', trace: { public_key: project.ingest_key } }),
    '\n',
    JSON.stringify({ type: 'event', content_type: 'application/json', length: payload.length }),
    '\n',
    payload.toString(),
    '\n',
    ...extraItems,
  ];
  return Buffer.from(parts.join(''));
}

const pythonHeaders = (encoding: string) => ({
  'content-type': 'application/x-sentry-envelope',
  'content-encoding': encoding,
  'user-agent': 'sentry.python/2.68.0',
  'x-sentry-auth': `Sentry sentry_key=${project.ingest_key}, sentry_version=7, sentry_client=sentry.python/2.68.0`,
  'accept-encoding': 'identity',
});

const envelopeUrl = () => `/api/${project.id}/envelope/`;
const groups = async () => (await t.app.inject({ url: '/api/errors?project=shop', headers: auth })).json().errors;

describe('sentry-python 2.x envelopes', () => {
  it.each([
    ['br', brotliCompressSync],
    ['gzip', gzipSync],
  ] as const)('ingests a %s envelope: last exception of the chain, crash frame the last in-app frame', async (encoding, compress) => {
    const eventId = 'a'.repeat(32);
    const res = await t.app.inject({ method: 'POST', url: envelopeUrl(), headers: pythonHeaders(encoding), payload: compress(pythonEnvelope(pythonEvent(eventId))) });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.json()).toEqual({ id: eventId });
    const [group] = await groups();
    expect(group).toMatchObject({ exception_type: 'ValueError', message: 'order id missing', file: 'shop/orders.py', line: 20, function: 'handle', source: 'server', release: 'myapp@1.2.3', environment: 'production' });
    expect(group.fingerprint).toBe(md5('shop:ValueError:shop/orders.py:20'));

    const detail = (await t.app.inject({ url: `/api/errors/${group.id}`, headers: auth })).json();
    expect(detail.error.traceback).toContain('File "shop/orders.py", line 20, in handle');
    expect(detail.error.traceback).toMatch(/ValueError: order id missing\n$/);
    const [occurrence] = detail.occurrences;
    expect(occurrence).toMatchObject({ timestamp: '2026-03-01T11:59:31.687Z', user_id: 'u-1', request_method: 'POST', request_url: 'https://shop.example.com/checkout?token=[redacted]' });
    expect(occurrence.request_headers).toEqual({ 'User-Agent': 'curl/8', Cookie: '[redacted]' });
    expect(occurrence.extra).toMatchObject({ extra: { 'sys.argv': ['app.py'] } });
    expect(occurrence).toMatchObject({ tags: { feature: 'checkout' }, contexts: { runtime: { name: 'CPython' } }, user: { id: 'u-1', email: 'jane@example.com' }, level: 'error' });
    expect(occurrence.breadcrumbs).toEqual([{ category: 'auth', message: 'user logged in', level: 'info', timestamp: '2026-03-01T11:59:31.686Z', type: 'default' }]);
    expect(occurrence.exceptions.map((e: { type: string }) => e.type)).toEqual(['KeyError', 'ValueError']);
  });

  it('stores the same event_id once, and still answers 200 with its id', async () => {
    const body = gzipSync(pythonEnvelope(pythonEvent('b'.repeat(32))));
    for (let i = 0; i < 3; i++) {
      const res = await t.app.inject({ method: 'POST', url: envelopeUrl(), headers: pythonHeaders('gzip'), payload: body });
      expect(res.json()).toEqual({ id: 'b'.repeat(32) });
    }
    expect((await groups())[0].count).toBe(1);
    const other = await t.app.inject({ method: 'POST', url: envelopeUrl(), headers: pythonHeaders('gzip'), payload: gzipSync(pythonEnvelope(pythonEvent('c'.repeat(32)))) });
    expect(other.statusCode).toBe(200);
    expect((await groups())[0].count).toBe(2);
  });

  it('accepts and ignores every other item type, before and after the event, and answers {} without an event', async () => {
    const others = ['session', 'client_report', 'attachment', 'replay_recording', 'log', 'a_type_from_the_future'].map((type) => {
      const payload = type === 'attachment' ? '\u0000\u0001binary\n\u0002' : JSON.stringify({ type, n: 1 });
      return `${JSON.stringify({ type, length: Buffer.byteLength(payload) })}\n${payload}\n`;
    });
    const res = await t.app.inject({ method: 'POST', url: envelopeUrl(), headers: pythonHeaders('gzip'), payload: gzipSync(pythonEnvelope(pythonEvent('d'.repeat(32)), others)) });
    expect(res.json()).toEqual({ id: 'd'.repeat(32) });
    const sessionOnly = `{"sent_at":"2026-03-01T12:00:00Z"}\n{"type":"session"}\n{"sid":"x","status":"ok"}`;
    const empty = await t.app.inject({ method: 'POST', url: envelopeUrl(), headers: pythonHeaders(''), payload: sessionOnly });
    expect(empty.statusCode).toBe(200);
    expect(empty.json()).toEqual({});
    expect(await groups()).toHaveLength(1);
  });
});

describe('sentry-python 1.x store requests', () => {
  it('ingests a gzip JSON event posted to /store/ (mechanism null, no trailing slash too)', async () => {
    const event = { ...pythonEvent('e'.repeat(32)), exception: { values: [{ type: 'ZeroDivisionError', value: 'division by zero', module: null, mechanism: null, stacktrace: { frames: [{ filename: 'app.py', abs_path: '/srv/app.py', function: 'main', lineno: 7, in_app: true }] } }] } };
    for (const url of [`/api/${project.id}/store/`, `/api/${project.id}/store`]) {
      const res = await t.app.inject({
        method: 'POST',
        url,
        headers: { 'content-type': 'application/json', 'content-encoding': 'gzip', 'x-sentry-auth': `Sentry sentry_key=${project.ingest_key}, sentry_version=7, sentry_client=sentry.python/1.9.10` },
        payload: gzipSync(JSON.stringify(event)),
      });
      expect(res.statusCode, url).toBe(200);
      expect(res.json()).toEqual({ id: 'e'.repeat(32) });
    }
    const [group] = await groups();
    expect(group).toMatchObject({ exception_type: 'ZeroDivisionError', file: 'app.py', line: 7, count: 1 });
  });
});

describe('envelope framing', () => {
  const event = (id: string) => JSON.stringify({ event_id: id, exception: { values: [{ type: 'Error', value: 'x', stacktrace: { frames: [{ filename: '/srv/a.js', lineno: 3, in_app: true }] } }] } });
  it.each([
    ['no length, no trailing newline (JS)', (id: string) => `{"event_id":"${id}"}\n{"type":"event"}\n${event(id)}`],
    ['no length, trailing newline', (id: string) => `{"event_id":"${id}"}\n{"type":"event"}\n${event(id)}\n`],
    ['length, no trailing newline', (id: string) => `{"event_id":"${id}"}\n{"type":"event","length":${Buffer.byteLength(event(id))}}\n${event(id)}`],
    ['mixed with a binary item', (id: string) => `{"event_id":"${id}"}\n{"type":"attachment","length":3}\n\n\n\n\n{"type":"event"}\n${event(id)}`],
  ])('%s', async (_name, build) => {
    const id = md5(_name);
    const res = await t.app.inject({ method: 'POST', url: `${envelopeUrl()}?sentry_key=${project.ingest_key}&sentry_version=7`, payload: build(id) });
    expect(res.json()).toEqual({ id });
    expect((await groups())[0]).toMatchObject({ file: '/srv/a.js', line: 3 });
  });

  it.each([
    ['an empty body', ''],
    ['a header that is not JSON', 'nope\n{"type":"event"}\n{}'],
    ['a length past the end', '{}\n{"type":"event","length":999}\n{}'],
    ['an event that is not JSON', '{}\n{"type":"event"}\n{not json'],
  ])('answers 400 to %s', async (_name, body) => {
    const res = await t.app.inject({ method: 'POST', url: `${envelopeUrl()}?sentry_key=${project.ingest_key}`, payload: body });
    expect(res.statusCode).toBe(400);
    expect(res.json().code).toMatch(/^invalid_(envelope|event)$/);
    expect(res.headers['access-control-allow-origin']).toBe('*');
  });

  it('decodes deflate with and without the zlib wrapper, and treats "identity" as none', async () => {
    for (const [encoding, compress] of [['deflate', deflateSync], ['deflate', deflateRawSync], ['identity', (b: Buffer) => b]] as const) {
      const id = md5(encoding + compress.name);
      const res = await t.app.inject({ method: 'POST', url: `${envelopeUrl()}?sentry_key=${project.ingest_key}`, headers: { 'content-encoding': encoding }, payload: compress(Buffer.from(`{"event_id":"${id}"}\n{"type":"event"}\n${event(id)}`)) });
      expect(res.json(), `${encoding} ${compress.name}`).toEqual({ id });
    }
  });

  it('refuses an unknown encoding (415) and a corrupt body (400)', async () => {
    const zstd = await t.app.inject({ method: 'POST', url: `${envelopeUrl()}?sentry_key=${project.ingest_key}`, headers: { 'content-encoding': 'zstd' }, payload: 'xx' });
    expect(zstd.statusCode).toBe(415);
    const corrupt = await t.app.inject({ method: 'POST', url: `${envelopeUrl()}?sentry_key=${project.ingest_key}`, headers: { 'content-encoding': 'gzip' }, payload: gzipSync('{}\n').subarray(0, 8) });
    expect(corrupt.statusCode).toBe(400);
    expect(corrupt.json().code).toBe('corrupt_body');
  });
});

describe('authentication', () => {
  const body = () => `{"event_id":"${'f'.repeat(32)}"}\n{"type":"event"}\n{"message":"hello"}`;
  it('takes the key from the query, X-Sentry-Auth, Authorization: Sentry, or the envelope dsn', async () => {
    const k = project.ingest_key;
    const forms = [
      { url: `${envelopeUrl()}?sentry_key=${k}`, headers: {}, payload: body() },
      { url: envelopeUrl(), headers: { 'x-sentry-auth': `Sentry sentry_key=${k}, sentry_version=7` }, payload: body() },
      { url: envelopeUrl(), headers: { authorization: `sentry sentry_version=7,sentry_key=${k}` }, payload: body() },
      { url: envelopeUrl(), headers: {}, payload: `{"event_id":"${'f'.repeat(32)}","dsn":"http://${k}@localhost:5010/${project.id}"}\n{"type":"event"}\n{"message":"hello"}` },
    ];
    for (const f of forms) {
      const res = await t.app.inject({ method: 'POST', ...f });
      expect(res.statusCode, JSON.stringify(f.headers)).toBe(200);
    }
  });

  it('401 without a key or with an unknown one, 403 with another project\'s key, 401 when keys conflict', async () => {
    const other = (await t.app.inject({ method: 'POST', url: '/api/projects', headers: auth, payload: { name: 'blog' } })).json();
    const post = (url: string, headers: Record<string, string> = {}, payload = body()) => t.app.inject({ method: 'POST', url, headers, payload });
    expect((await post(envelopeUrl())).statusCode).toBe(401);
    expect((await post(`${envelopeUrl()}?sentry_key=${'0'.repeat(32)}`)).statusCode).toBe(401);
    const wrong = await post(`${envelopeUrl()}?sentry_key=${other.ingest_key}`);
    expect(wrong.statusCode).toBe(403);
    expect(wrong.json().code).toBe('wrong_project');
    expect((await post(`/api/${other.id}/store/?sentry_key=${project.ingest_key}`, {}, '{"message":"x"}')).statusCode).toBe(403);
    expect((await post(`${envelopeUrl()}?sentry_key=${project.ingest_key}`, { 'x-sentry-auth': `Sentry sentry_key=${other.ingest_key}` })).statusCode).toBe(401);
    const dsnConflict = `{"dsn":"http://${other.ingest_key}@h/${project.id}"}\n{"type":"event"}\n{"message":"x"}`;
    expect((await post(`${envelopeUrl()}?sentry_key=${project.ingest_key}`, {}, dsnConflict)).statusCode).toBe(401);
    expect((await post(`${envelopeUrl()}?sentry_key=${API_KEY_LIKE}`)).statusCode).toBe(401);
    expect(await groups()).toHaveLength(0);
  });
});
const API_KEY_LIKE = 'test-operator-key-0123456789abcdef';

describe('replies for browsers and throttling', () => {
  it('CORS on success and error replies, and an OPTIONS preflight', async () => {
    const ok = await t.app.inject({ method: 'POST', url: `${envelopeUrl()}?sentry_key=${project.ingest_key}`, headers: { origin: 'https://shop.example.com', 'content-type': 'text/plain;charset=UTF-8' }, payload: `{}\n{"type":"event"}\n{"message":"m"}` });
    expect(ok.statusCode).toBe(200);
    expect(ok.headers['access-control-allow-origin']).toBe('*');
    expect(ok.headers['access-control-expose-headers']).toMatch(/x-sentry-rate-limits.*retry-after/);
    const denied = await t.app.inject({ method: 'POST', url: envelopeUrl(), headers: { origin: 'https://shop.example.com' }, payload: '{}' });
    expect(denied.statusCode).toBe(401);
    expect(denied.headers['access-control-allow-origin']).toBe('*');
    const pre = await t.app.inject({ method: 'OPTIONS', url: envelopeUrl(), headers: { origin: 'https://shop.example.com', 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type, sentry-trace' } });
    expect(pre.statusCode).toBe(204);
    expect(pre.headers).toMatchObject({ 'access-control-allow-origin': '*', 'access-control-allow-methods': expect.stringContaining('POST'), 'access-control-allow-headers': 'content-type, sentry-trace' });
  });

  it('429 with an integer Retry-After and X-Sentry-Rate-Limits, exposed to browsers', async () => {
    const limited = await buildTestApp({ RATE_LIMIT_PER_MINUTE: '1' });
    try {
      const p = (await limited.app.inject({ method: 'POST', url: '/api/projects', headers: auth, payload: { name: 'shop' } })).json();
      const send = () => limited.app.inject({ method: 'POST', url: `/api/${p.id}/envelope/?sentry_key=${p.ingest_key}`, headers: { origin: 'https://a.example' }, payload: `{}\n{"type":"event"}\n{"message":"m"}` });
      expect((await send()).statusCode).toBe(200);
      const res = await send();
      expect(res.statusCode).toBe(429);
      expect(res.headers['retry-after']).toMatch(/^\d+$/);
      expect(res.headers['x-sentry-rate-limits']).toBe(`${res.headers['retry-after']}::project:rate_limited`);
      expect(res.headers['access-control-allow-origin']).toBe('*');
      expect(res.headers['access-control-expose-headers']).toContain('x-sentry-rate-limits');
    } finally {
      await limited.close();
    }
  });
});

describe('size limits, decided while streaming', () => {
  it('413 past MAX_BODY_BYTES on the wire', async () => {
    const res = await t.app.inject({ method: 'POST', url: `${envelopeUrl()}?sentry_key=${project.ingest_key}`, payload: `{}\n{"type":"event"}\n{"message":"${'x'.repeat(300_000)}"}` });
    expect(res.statusCode).toBe(413);
    expect(res.headers['access-control-allow-origin']).toBe('*');
  });

  it('413 for a decompression bomb, quickly and without buffering it', async () => {
    // 1 GiB of zeros is about 1 MB of gzip: past the decompressed limit long before the end.
    const bomb = gzipSync(Buffer.alloc(256 * 1024 * 1024), { level: 9 });
    const heapBefore = process.memoryUsage().arrayBuffers;
    const small = await buildTestApp({ MAX_BODY_BYTES: String(2 * 1024 * 1024), MAX_DECOMPRESSED_BYTES: String(4 * 1024 * 1024) });
    try {
      const p = (await small.app.inject({ method: 'POST', url: '/api/projects', headers: auth, payload: { name: 'shop' } })).json();
      const res = await small.app.inject({ method: 'POST', url: `/api/${p.id}/envelope/?sentry_key=${p.ingest_key}`, headers: { 'content-encoding': 'gzip' }, payload: bomb });
      expect(res.statusCode).toBe(413);
      expect(res.json().code).toBe('body_too_large');
      expect(res.headers.connection).toBe('close');
    } finally {
      await small.close();
    }
    // No clock: "without buffering" is the memory bound below; a hang would be the test's timeout.
    expect(process.memoryUsage().arrayBuffers - heapBefore).toBeLessThan(64 * 1024 * 1024);
  });

  it('413 for one event over 1 MiB inside a smaller envelope limit, and for a /store/ event over 1 MiB', async () => {
    const big = gzipSync(`{}\n{"type":"event"}\n{"message":"${'y'.repeat(1_100_000)}"}`);
    const res = await t.app.inject({ method: 'POST', url: `${envelopeUrl()}?sentry_key=${project.ingest_key}`, headers: { 'content-encoding': 'gzip' }, payload: big });
    expect(res.statusCode).toBe(413);
    const store = await t.app.inject({ method: 'POST', url: `/api/${project.id}/store/?sentry_key=${project.ingest_key}`, headers: { 'content-encoding': 'gzip' }, payload: gzipSync(`{"message":"${'y'.repeat(1_100_000)}"}`) });
    expect(store.statusCode).toBe(413);
    expect(await groups()).toHaveLength(0);
  });
});
