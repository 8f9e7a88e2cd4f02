// The whole event kept per occurrence (issue 16): native and Sentry reports, scrubbed, capped, compressed, served.
import { gzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { auth, buildTestApp, postError, report, type TestApp } from '../helper.js';

let t: TestApp;
beforeEach(async () => {
  t = await buildTestApp();
});
afterEach(async () => {
  await t.close();
});

const latest = async (id: number) => (await t.app.inject({ url: `/api/errors/${id}`, headers: auth })).json().occurrences[0];

describe('POST /api/errors: user, tags, breadcrumbs, contexts, level', () => {
  it('keeps them, scrubbed: a password in breadcrumb data, a token in a tag, a secret in a context', async () => {
    const res = await postError(t.app, report({
      user: { id: 42, email: 'jane@example.com', username: 'jane', ip_address: '10.0.0.1', segment: 'paid', api_token: 'u-secret' },
      tags: { feature: 'checkout', auth_token: 'tok-123', callback: 'https://x.example/cb?session_id=s1&page=2', shard: 3 },
      breadcrumbs: [
        { timestamp: '2026-03-01T11:59:00Z', category: 'auth', level: 'info', message: 'login', data: { user: 'jane', password: 'hunter2' } },
        { timestamp: 1772366341.5, category: 'fetch', type: 'http', data: { url: 'https://api.example/x?token=t1&q=1', method: 'GET', status_code: 500 } },
      ],
      contexts: { os: { name: 'Linux', version: '6.1' }, app: { client_secret: 'cs', build: '77' } },
      level: 'warning',
    }));
    expect(res.statusCode, res.body).toBe(201);
    const o = await latest(res.json().id);
    expect(o.user).toEqual({ id: '42', email: 'jane@example.com', username: 'jane', ip_address: '10.0.0.1', data: { segment: 'paid', api_token: '[redacted]' } });
    expect(o.user_id).toBe('42'); // user.id fills the spec's user_id
    expect(o.tags).toEqual({ feature: 'checkout', auth_token: '[redacted]', callback: 'https://x.example/cb?session_id=[redacted]&page=2', shard: '3' });
    expect(o.breadcrumbs).toEqual([
      { timestamp: '2026-03-01T11:59:00.000Z', category: 'auth', level: 'info', message: 'login', data: { user: 'jane', password: '[redacted]' } },
      { timestamp: '2026-03-01T11:59:01.500Z', category: 'fetch', type: 'http', data: { url: 'https://api.example/x?token=[redacted]&q=1', method: 'GET', status_code: 500 } },
    ]);
    expect(o.contexts).toEqual({ os: { name: 'Linux', version: '6.1' }, app: { client_secret: '[redacted]', build: '77' } });
    expect(o.level).toBe('warning');
    expect(JSON.stringify(t.db.prepare('SELECT details FROM error_occurrences').all())).not.toMatch(/hunter2|tok-123|u-secret|"cs"|s1&/);
  });

  it('stays backwards compatible: a spec report answers as before, with empty details; user.id fills user_id', async () => {
    const old = await postError(t.app, report({ user_id: 'u1' }));
    expect(old.statusCode).toBe(201);
    expect(await latest(old.json().id)).toMatchObject({ user_id: 'u1', user: { id: 'u1' }, tags: {}, breadcrumbs: [], contexts: {}, level: null, exceptions: [] });
    const both = await postError(t.app, report({ exception_type: 'Both', user_id: 'u1', user: { id: 'other', email: 'a@b.c' } }));
    expect(await latest(both.json().id)).toMatchObject({ user_id: 'u1', user: { id: 'other', email: 'a@b.c' } });
    const email = await postError(t.app, report({ exception_type: 'Email', user: { email: 'a@b.c' } }));
    expect(await latest(email.json().id)).toMatchObject({ user_id: 'a@b.c', user: { email: 'a@b.c' } });
    const none = await postError(t.app, report({ exception_type: 'None' }));
    expect(await latest(none.json().id)).toMatchObject({ user_id: null, user: null, request: null });
  });

  it.each([
    ['a level outside Sentry\'s', { level: 'loud' }],
    ['tags that are not an object', { tags: ['a'] }],
    ['a tag value that is an object', { tags: { a: { b: 1 } } }],
    ['breadcrumbs that are not a list', { breadcrumbs: { values: [] } }],
    ['a user that is a string', { user: 'jane' }],
    ['101 tags', { tags: Object.fromEntries(Array.from({ length: 101 }, (_, i) => [`t${i}`, 'v'])) }],
  ])('400 for %s, nothing stored', async (_name, fields) => {
    const res = await postError(t.app, report(fields));
    expect(res.statusCode).toBe(400);
    expect(res.json().code).toBeTruthy();
    expect(t.db.prepare('SELECT count(*) AS n FROM errors').get()).toEqual({ n: 0 });
  });

  it('keeps the last 100 breadcrumbs, and compresses a large occurrence', async () => {
    const breadcrumbs = Array.from({ length: 300 }, (_, i) => ({ category: 'ui.click', message: `clicked button number ${i} on the checkout page`, data: { i, target: 'button#pay.primary' } }));
    const res = await postError(t.app, report({ breadcrumbs }));
    const o = await latest(res.json().id);
    expect(o.breadcrumbs).toHaveLength(100);
    expect(o.breadcrumbs[0].data.i).toBe(200);
    expect(o.breadcrumbs[99].data.i).toBe(299);
    const row = t.db.prepare('SELECT typeof(details) AS kind, length(details) AS bytes FROM error_occurrences').get() as { kind: string; bytes: number };
    expect(row.kind).toBe('blob');
    expect(row.bytes).toBeLessThan(JSON.stringify(o.breadcrumbs).length / 2);
  });
});

describe('Sentry events: the whole event, as sent', () => {
  it('keeps sdk, logger, server name, the request (query, data, cookies scrubbed) and the chain with mechanisms and frames', async () => {
    const project = (await t.app.inject({ method: 'POST', url: '/api/projects', headers: auth, payload: { name: 'shop' } })).json();
    const event = {
      event_id: 'c'.repeat(32),
      level: 'error',
      logger: 'shop.orders',
      server_name: 'web-1',
      platform: 'python',
      sdk: { name: 'sentry.python', version: '2.68.0', packages: [{ name: 'pypi:sentry-sdk' }] },
      request: { url: 'https://shop.example/pay', method: 'POST', query_string: 'page=2&access_token=abc', data: { card_number: '4111', amount: 3 }, cookies: 'theme=dark; sessionid=xyz', headers: { Cookie: 'theme=dark; sessionid=xyz' } },
      exception: {
        values: [
          { type: 'KeyError', value: "'id'", mechanism: { type: 'chained', source: '__cause__', exception_id: 1, parent_id: 0 }, stacktrace: { frames: [{ filename: 'shop/orders.py', abs_path: '/srv/shop/orders.py', function: 'parse', module: 'shop.orders', lineno: 13, pre_context: ['def parse(d):'], context_line: '    return d["id"]', post_context: [''], in_app: true, vars: { d: {} } }] } },
          { type: 'ValueError', value: 'order id missing', mechanism: { type: 'generic', handled: false, exception_id: 0 }, stacktrace: { frames: [{ filename: 'shop/orders.py', function: 'handle', lineno: 20, colno: 5, in_app: true }] } },
        ],
      },
    };
    const res = await t.app.inject({ method: 'POST', url: `/api/${project.id}/store/?sentry_key=${project.ingest_key}`, headers: { 'content-encoding': 'gzip' }, payload: gzipSync(JSON.stringify(event)) });
    expect(res.statusCode, res.body).toBe(200);
    const group = (await t.app.inject({ url: '/api/errors', headers: auth })).json().errors[0];
    const o = await latest(group.id);
    expect(o).toMatchObject({ level: 'error', logger: 'shop.orders', server_name: 'web-1', platform: 'python', sdk: { name: 'sentry.python', version: '2.68.0' } });
    expect(o.request).toEqual({
      url: 'https://shop.example/pay',
      method: 'POST',
      headers: { Cookie: '[redacted]' },
      query_string: 'page=2&access_token=[redacted]',
      data: { card_number: '[redacted]', amount: 3 },
      cookies: 'theme=dark; sessionid=[redacted]',
    });
    expect(o.exceptions).toEqual([
      {
        type: 'KeyError',
        value: "'id'",
        mechanism: { type: 'chained', source: '__cause__', exception_id: 1, parent_id: 0 },
        frames: [{ filename: 'shop/orders.py', abs_path: '/srv/shop/orders.py', function: 'parse', module: 'shop.orders', lineno: 13, in_app: true, pre_context: ['def parse(d):'], context_line: '    return d["id"]', post_context: [''] }],
      },
      { type: 'ValueError', value: 'order id missing', mechanism: { type: 'generic', handled: false, exception_id: 0 }, frames: [{ filename: 'shop/orders.py', function: 'handle', lineno: 20, colno: 5, in_app: true }] },
    ]);
  });
});
