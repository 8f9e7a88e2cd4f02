// Every reply carries the security headers; error replies hide the service's internals; static files stay inside web/.
import { readFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { API_KEY, auth, buildTestApp, postError, report, type TestApp } from '../helper.js';

let t: TestApp;
beforeEach(async () => {
  t = await buildTestApp();
});
afterEach(async () => {
  await t.close();
});

function expectSecurityHeaders(headers: Record<string, unknown>, what: string): void {
  expect(headers['x-content-type-options'], what).toBe('nosniff');
  expect(headers['referrer-policy'], what).toBe('no-referrer');
  expect(headers['x-frame-options'], what).toBe('DENY');
  expect(String(headers['content-security-policy']), what).toMatch(/(^|;)\s*frame-ancestors 'none'/);
  expect(String(headers['content-security-policy']), what).toMatch(/(^|;)\s*default-src 'none'/);
}

/** What must never reach a client: stack frames, source paths, the working directory, module names. */
function expectNoInternals(body: string, what: string): void {
  expect(body, what).not.toMatch(/\n\s+at |\.ts:\d|\.js:\d|node_modules|node:internal|\/src\/|\/dist\//);
  expect(body, what).not.toContain(process.cwd());
  expect(body, what).not.toMatch(/SQLITE_|better-sqlite3|TypeError|ReferenceError/);
}

describe('security headers', () => {
  it('on the UI, the API, error replies, the Sentry endpoints and probes', async () => {
    const { id, ingest_key } = (await t.app.inject({ method: 'POST', url: '/api/projects', headers: auth, payload: { name: 'shop' } })).json();
    const requests = [
      { url: '/' },
      { url: '/index.html' },
      { url: '/app.js' },
      { url: '/reporter.js' },
      { url: '/health' },
      { url: '/ready' },
      { url: '/nope' },
      { url: '/api/errors', headers: auth },
      { url: '/api/errors' },
      { url: '/api/errors/999', headers: auth },
      { url: '/api/projects', headers: auth },
      { method: 'POST' as const, url: '/api/errors', headers: auth, payload: report() },
      { method: 'POST' as const, url: '/api/errors', headers: { ...auth, 'content-type': 'application/json' }, payload: '{' },
      { method: 'POST' as const, url: `/api/${id}/store/?sentry_key=${ingest_key}`, payload: '{"message":"hi"}' },
      { method: 'POST' as const, url: `/api/${id}/envelope/`, payload: 'x' },
      { method: 'OPTIONS' as const, url: '/api/errors', headers: { origin: 'https://shop.example.com', 'access-control-request-method': 'POST' } },
      { method: 'POST' as const, url: '/api/test-alert', headers: auth },
    ];
    for (const r of requests) {
      const res = await t.app.inject(r);
      expectSecurityHeaders(res.headers, `${r.method ?? 'GET'} ${r.url} (${res.statusCode})`);
    }
  });

  it('the UI page allows only its own scripts and styles', async () => {
    const csp = String((await t.app.inject({ url: '/' })).headers['content-security-policy']);
    expect(csp).toMatch(/script-src 'self'(;|$)/);
    expect(csp).toMatch(/style-src 'self'(;|$)/);
    expect(csp).not.toMatch(/unsafe-inline|unsafe-eval/);
  });
});

describe('error replies', () => {
  it('a failure inside the service is a bare 500: no message, stack or path of its own', async () => {
    expect((await postError(t.app, report())).statusCode).toBe(201);
    t.db.close(); // every query now throws inside better-sqlite3
    for (const r of [
      { url: '/api/errors', headers: auth },
      { url: '/api/errors/1', headers: auth },
      { url: '/api/projects', headers: auth },
      { method: 'POST' as const, url: '/api/errors/1/resolve', headers: auth },
    ]) {
      const res = await t.app.inject(r);
      expect(res.statusCode, r.url).toBe(500);
      expect(res.json()).toEqual({ error: 'Internal server error', code: 'internal_error' });
      expectNoInternals(res.body, r.url);
      expectSecurityHeaders(res.headers, r.url);
    }
    // The operator finds the cause in the log instead.
    expect(t.logs()).toContain('"msg":"request failed"');
  });

  it('4xx replies explain the problem without internals, whatever was sent', async () => {
    const { id } = (await t.app.inject({ method: 'POST', url: '/api/projects', headers: auth, payload: { name: 'shop' } })).json();
    const cases = [
      { method: 'POST' as const, url: '/api/errors', headers: { ...auth, 'content-type': 'application/json' }, payload: '{"project": [1, 2' },
      { method: 'POST' as const, url: '/api/errors', headers: { ...auth, 'content-type': 'application/json' }, payload: Buffer.from([0x7b, 0xff, 0x00]) },
      { method: 'POST' as const, url: '/api/errors', headers: { ...auth, 'content-type': 'application/xml' }, payload: '<a/>' },
      { method: 'POST' as const, url: '/api/errors', headers: { ...auth, 'content-type': 'application/json' }, payload: `{"message":"${'x'.repeat(300 * 1024)}"}` },
      { method: 'POST' as const, url: '/api/errors', headers: auth, payload: { project: {}, exception_type: [] } },
      { method: 'POST' as const, url: `/api/${id}/envelope/`, headers: { 'content-encoding': 'gzip' }, payload: 'not gzip' },
      { method: 'POST' as const, url: `/api/${id}/envelope/`, headers: { 'content-encoding': 'zstd' }, payload: 'x' },
      { method: 'POST' as const, url: `/api/${id}/store/`, payload: '{}' },
      { url: '/api/errors/abc', headers: auth },
      { url: '/api/errors?limit=-1&resolved=maybe', headers: auth },
      { url: '/%c0%ae%c0%ae/' },
      { url: '/index.html%00.js' },
      { method: 'DELETE' as const, url: '/api/errors/1', headers: auth },
    ];
    for (const r of cases) {
      const res = await t.app.inject(r);
      const what = `${r.method ?? 'GET'} ${r.url}`;
      expect(res.statusCode, what).toBeGreaterThanOrEqual(400);
      expect(res.statusCode, what).toBeLessThan(500);
      expect(res.json(), what).toEqual(expect.objectContaining({ error: expect.any(String), code: expect.any(String) }));
      expectNoInternals(res.body, what);
      expect(res.body, what).not.toContain(API_KEY);
    }
  });
});

describe('static files', () => {
  const secrets = [readFileSync('package.json', 'utf8').slice(0, 60), 'root:x:0:0', '"compilerOptions"', 'CREATE TABLE'];

  it.each([
    '/..%2f..%2fetc/passwd',
    '/..%2F..%2Fetc%2Fpasswd',
    '/%2e%2e/%2e%2e/etc/passwd',
    '/%2e%2e%2f%2e%2e%2fetc%2fpasswd',
    '/..%252f..%252fetc/passwd',
    '/..%5c..%5cpackage.json',
    '/..\\..\\package.json',
    '/%c0%ae%c0%ae/package.json',
    '/%c0%af..%c0%afpackage.json',
    '/../package.json',
    '/js/../../package.json',
    '/js/%2e%2e/%2e%2e/package.json',
    '/js/..%2f..%2fpackage.json',
    '/....//....//package.json',
    '/%00/../package.json',
    '/index.html/../../tsconfig.json',
    '/../migrations/001_init.sql',
    '/..%2fmigrations%2f001_init.sql',
    '//etc/passwd',
    '/%2fetc%2fpasswd',
    '/..;/package.json',
  ])('%s serves nothing outside web/', async (url) => {
    const res = await t.app.inject({ url });
    expect(res.statusCode, url).toBeGreaterThanOrEqual(400);
    expect(res.statusCode, url).toBeLessThan(500);
    for (const s of secrets) expect(res.body, url).not.toContain(s);
    expectNoInternals(res.body, url);
  });

  it.each(['/js/', '/js', '/web/', '/.', '/./', '/%2e/'])('%s lists no directory', async (url) => {
    const res = await t.app.inject({ url });
    if (res.statusCode === 200) {
      // Only the UI's own page may answer for a directory-like path.
      expect(res.body).toBe((await t.app.inject({ url: '/' })).body);
    } else {
      expect(res.statusCode).toBe(404);
      expect(res.body).not.toMatch(/dom\.js|app\.js|index\.html/);
    }
  });
});
