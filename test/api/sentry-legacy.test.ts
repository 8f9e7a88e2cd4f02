// Raven-era clients on /store/: base64+zlib bodies typed application/octet-stream, and the old X-Sentry-Auth parts.
import { deflateSync } from 'node:zlib';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { auth, buildTestApp, type TestApp } from '../helper.js';

let t: TestApp;
let project: { id: number; ingest_key: string };
beforeEach(async () => {
  t = await buildTestApp();
  project = (await t.app.inject({ method: 'POST', url: '/api/projects', headers: auth, payload: { name: 'shop' } })).json();
});
afterEach(async () => {
  await t.close();
});

const ravenEvent = (id: string) => ({
  event_id: id,
  message: 'ZeroDivisionError: divided by 0',
  level: 'error',
  platform: 'ruby',
  exception: { values: [{ type: 'ZeroDivisionError', value: 'divided by 0', stacktrace: { frames: [{ filename: 'app.rb', abs_path: '/srv/app.rb', function: 'divide', lineno: 4, in_app: true }] } }] },
});

it('accepts base64 of zlib as application/octet-stream, with sentry_secret, sentry_version 5 and a timestamp in the auth header', async () => {
  const id = 'a'.repeat(32);
  const res = await t.app.inject({
    method: 'POST',
    url: `/api/${project.id}/store/`,
    headers: {
      'content-type': 'application/octet-stream',
      'x-sentry-auth': `Sentry sentry_version=5, sentry_client=raven-ruby/3.1.2, sentry_timestamp=1700000000, sentry_key=${project.ingest_key}, sentry_secret=0123456789abcdef`,
    },
    payload: Buffer.from(deflateSync(JSON.stringify(ravenEvent(id))).toString('base64')),
  });
  expect(res.statusCode, res.body).toBe(200);
  expect(res.json()).toEqual({ id });
  const list = (await t.app.inject({ method: 'GET', url: '/api/errors', headers: auth })).json();
  expect(list.errors).toEqual([expect.objectContaining({ exception_type: 'ZeroDivisionError', file: 'app.rb', line: 4 })]);
});

it('accepts plain zlib without a Content-Encoding, and still refuses a wrong key', async () => {
  const ok = await t.app.inject({
    method: 'POST',
    url: `/api/${project.id}/store/?sentry_key=${project.ingest_key}&sentry_secret=x&sentry_version=6`,
    headers: { 'content-type': 'application/octet-stream' },
    payload: deflateSync(JSON.stringify(ravenEvent('b'.repeat(32)))),
  });
  expect(ok.statusCode, ok.body).toBe(200);
  const bad = await t.app.inject({
    method: 'POST',
    url: `/api/${project.id}/store/`,
    headers: { 'content-type': 'application/octet-stream', 'x-sentry-auth': `Sentry sentry_key=${'f'.repeat(32)}, sentry_secret=${project.ingest_key}` },
    payload: deflateSync(JSON.stringify(ravenEvent('c'.repeat(32)))),
  });
  expect(bad.statusCode).toBe(401);
});
