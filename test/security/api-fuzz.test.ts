// Property-based tests through app.inject: arbitrary bodies, traces, queries and Sentry payloads give 2xx or a JSON 4xx, never a 500.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auth, buildTestApp, postError, report, type TestApp } from '../helper.js';

let t: TestApp;
let project: { id: number; ingest_key: string };
beforeAll(async () => {
  t = await buildTestApp();
  project = (await t.app.inject({ method: 'POST', url: '/api/projects', headers: auth, payload: { name: 'shop' } })).json();
});
afterAll(async () => {
  await t.close();
});

/** Seeded and bounded: the same cases every run, and a failure prints its seed and shrunk input. */
const RUNS = { seed: 20260610, numRuns: 500, interruptAfterTimeLimit: 60_000 };

function expectHandled(res: { statusCode: number; body: string; json: () => any }, what: string): void {
  expect(res.statusCode, `${what} -> ${res.body.slice(0, 300)}`).toBeLessThan(500);
  if (res.statusCode >= 400) {
    expect(res.json()).toEqual(expect.objectContaining({ error: expect.any(String), code: expect.any(String) }));
  }
}

async function expectStillServing(): Promise<void> {
  expect((await t.app.inject({ url: '/health' })).statusCode).toBe(200);
  expect((await postError(t.app, report())).statusCode).toBeLessThan(300);
}

const traceToken = fc.constantFrom(
  'Traceback (most recent call last):\n', '  File "', '", line ', ', in ', '    at ', 'async ', 'new ', '(', ')', '@', ':', '12', ':3:4',
  '\n', '\r\n', ' ', '"', "'", 'http://x/a.js?v=1#h', 'node:internal/', 'node_modules/', '<anonymous>', '[native code]', 'eval at ',
  ' > eval', 'global code@', '\u0000', '\ud800', '\x1b[31m', '  | ', '  + Exception Group', 'at at at (', '@@@@', 'File "',
);
const traceText = fc.oneof(fc.string({ maxLength: 500 }), fc.array(traceToken, { maxLength: 80 }).map((a) => a.join('')), fc.string({ unit: 'binary', maxLength: 200 }));
const anyValue = fc.oneof(fc.jsonValue({ maxDepth: 4 }), fc.string({ unit: 'binary', maxLength: 100 }), fc.constant(null));

/** Mostly report-shaped (so the pipeline, not only validation, is exercised), with any value in any field. */
const reportish = fc.record(
  {
    project: fc.oneof(fc.string({ minLength: 1, maxLength: 30 }), anyValue),
    exception_type: fc.oneof(fc.string({ minLength: 1, maxLength: 30 }), anyValue),
    message: fc.oneof(fc.string(), anyValue),
    traceback: fc.oneof(traceText, anyValue),
    request_url: fc.oneof(fc.webUrl({ withQueryParameters: true, withFragments: true }), anyValue),
    request_method: fc.oneof(fc.constantFrom('GET', 'post', ''), anyValue),
    request_headers: fc.oneof(fc.dictionary(fc.string(), fc.string()), anyValue),
    user_id: fc.oneof(fc.string({ maxLength: 10 }), fc.integer(), anyValue),
    extra: fc.oneof(fc.dictionary(fc.string(), fc.jsonValue({ maxDepth: 5 })), anyValue),
    source: fc.oneof(fc.constantFrom('browser', 'server'), anyValue),
    release: anyValue,
    environment: anyValue,
    timestamp: fc.oneof(fc.date({ noInvalidDate: true, min: new Date(0), max: new Date('2100-01-01') }).map((d) => d.toISOString()), anyValue),
    fingerprint: fc.oneof(fc.string({ minLength: 1 }), fc.array(fc.string()), anyValue),
  },
  { requiredKeys: [] },
);

describe('POST /api/errors', () => {
  it('arbitrary JSON bodies: 2xx or a 4xx JSON error, never a 500', async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.jsonValue({ maxDepth: 6 }), reportish), async (body) => {
        const payload = JSON.stringify(body) ?? 'null';
        expectHandled(await t.app.inject({ method: 'POST', url: '/api/errors', headers: { ...auth, 'content-type': 'application/json' }, payload }), payload);
      }),
      RUNS,
    );
    await expectStillServing();
  });

  it('valid reports with arbitrary trace text: always stored, and readable', async () => {
    await fc.assert(
      fc.asyncProperty(traceText, fc.string({ minLength: 1, maxLength: 50 }), async (traceback, type) => {
        const res = await postError(t.app, report({ traceback, exception_type: type }));
        expect(res.statusCode, res.body).toBeOneOf([200, 201]);
        const read = await t.app.inject({ url: `/api/errors/${res.json().id}`, headers: auth });
        expect(read.statusCode).toBe(200);
        // What UTF-8 can hold: a lone surrogate becomes one U+FFFD.
        expect(read.json().error.traceback).toBe(Buffer.from(traceback, 'utf8').toString('utf8'));
      }),
      RUNS,
    );
    await expectStillServing();
  });

  it('arbitrary bytes as the body, as JSON or text/plain with an ingest key: never a 500', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 400 }), fc.constantFrom('application/json', 'text/plain'), async (bytes, type) => {
        const res = await t.app.inject({ method: 'POST', url: `/api/errors?key=${project.ingest_key}`, headers: { 'content-type': type }, payload: Buffer.from(bytes) });
        expectHandled(res, Buffer.from(bytes).toString('hex'));
      }),
      RUNS,
    );
    await expectStillServing();
  });
});

describe('the read routes', () => {
  const param = fc.oneof(fc.string(), fc.constantFrom("'", '%', '_', '\\', '"', '%27%20OR%201=1--', '-1', '1e3', '9'.repeat(30), 'true'));
  it('arbitrary query strings on GET /api/errors: 200 or 400', async () => {
    await fc.assert(
      fc.asyncProperty(fc.dictionary(fc.constantFrom('project', 'resolved', 'source', 'search', 'limit', 'offset', 'other'), param), async (query) => {
        const qs = Object.entries(query).map(([k, v]) => `${k}=${encodeURIComponent(v)}`).join('&');
        const res = await t.app.inject({ url: `/api/errors?${qs}`, headers: auth });
        expectHandled(res, qs);
        expect(res.statusCode).toBeOneOf([200, 400]);
      }),
      RUNS,
    );
  });

  it('arbitrary path segments on the id and project routes: 2xx, 400 or 404', async () => {
    await fc.assert(
      fc.asyncProperty(param, fc.constantFrom('/api/errors/', '/api/projects/'), fc.constantFrom('', '/resolve', '/unresolve', '/rotate-key'), async (segment, base, action) => {
        const url = `${base}${encodeURIComponent(segment)}${action}`;
        const res = await t.app.inject({ method: action === '' ? 'GET' : 'POST', url, headers: auth });
        expectHandled(res, url);
      }),
      RUNS,
    );
  });
});

describe('the Sentry endpoints', () => {
  const itemType = fc.constantFrom('event', 'session', 'attachment', 'client_report', 'transaction', '', 'x');
  const envelope = fc
    .tuple(
      fc.oneof(fc.jsonValue({ maxDepth: 3 }), fc.record({ event_id: fc.oneof(fc.uuid(), fc.string()), dsn: fc.oneof(fc.string(), fc.webUrl()) }, { requiredKeys: [] })),
      fc.array(fc.tuple(itemType, fc.option(fc.integer({ min: -2, max: 50 })), fc.oneof(fc.jsonValue({ maxDepth: 4 }), fc.string({ unit: 'binary', maxLength: 60 }))), { maxLength: 4 }),
    )
    .map(([header, items]) =>
      [JSON.stringify(header) ?? '', ...items.flatMap(([type, length, payload]) => [JSON.stringify(length === null ? { type } : { type, length }), typeof payload === 'string' ? payload : JSON.stringify(payload)])].join('\n'),
    );

  it('arbitrary envelopes and bytes: 2xx or a 4xx JSON error', async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(envelope, fc.string({ unit: 'binary', maxLength: 300 })), fc.constantFrom('envelope', 'store'), async (body, kind) => {
        const res = await t.app.inject({ method: 'POST', url: `/api/${project.id}/${kind}/?sentry_key=${project.ingest_key}`, payload: body });
        expectHandled(res, body);
      }),
      RUNS,
    );
    await expectStillServing();
  });

  it('arbitrary JSON events to /store/: 2xx or a 4xx JSON error', async () => {
    const event = fc.record(
      {
        exception: fc.oneof(fc.jsonValue({ maxDepth: 3 }), fc.record({ values: fc.array(fc.record({ type: anyValue, value: anyValue, stacktrace: fc.record({ frames: fc.array(fc.dictionary(fc.constantFrom('filename', 'abs_path', 'lineno', 'colno', 'function', 'in_app'), anyValue)) }) }, { requiredKeys: [] })) })),
        message: anyValue,
        tags: anyValue,
        fingerprint: anyValue,
        request: anyValue,
        user: anyValue,
        timestamp: fc.oneof(anyValue, fc.double()),
        extra: anyValue,
        contexts: anyValue,
      },
      { requiredKeys: [] },
    );
    await fc.assert(
      fc.asyncProperty(fc.oneof(event, fc.jsonValue({ maxDepth: 4 })), async (body) => {
        const payload = JSON.stringify(body) ?? 'null';
        const res = await t.app.inject({ method: 'POST', url: `/api/${project.id}/store/?sentry_key=${project.ingest_key}`, payload });
        expectHandled(res, payload);
      }),
      RUNS,
    );
    await expectStillServing();
  });

  it('arbitrary auth headers and content encodings: 2xx or a 4xx JSON error', async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ maxLength: 80 }), fc.string({ maxLength: 20 }), fc.string({ maxLength: 20 }), async (authHeader, encoding, query) => {
        const res = await t.app.inject({
          method: 'POST',
          url: `/api/${project.id}/envelope/?sentry_key=${encodeURIComponent(query)}`,
          headers: { 'x-sentry-auth': authHeader.replace(/[^\x20-\x7e]/g, ''), 'content-encoding': encoding.replace(/[^\x20-\x7e]/g, '') },
          payload: '{}\n',
          remoteAddress: `10.9.${authHeader.length}.${encoding.length}`, // spread over addresses: the lockout is tested elsewhere
        });
        expectHandled(res, `${authHeader} / ${encoding} / ${query}`);
      }),
      RUNS,
    );
  });
});
