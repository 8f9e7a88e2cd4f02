// Inputs that once answered 500 (or Fastify's own body): each a 400 from the catalogue, nothing changed.
import { connect } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MAX_FRAME_NUMBER } from '../../src/ingest/sentry/event-to-report.js';
import { auth, buildTestApp, postError, report, type TestApp } from '../helper.js';

let t: TestApp;
let project: { id: number; ingest_key: string };
beforeEach(async () => {
  t = await buildTestApp();
  project = (await t.app.inject({ method: 'POST', url: '/api/projects', headers: auth, payload: { name: 'shop' } })).json();
});
afterEach(async () => {
  await t.close();
});

const event = (frame: Record<string, unknown>) =>
  JSON.stringify({ event_id: 'a'.repeat(32), exception: { values: [{ type: 'E', value: 'v', stacktrace: { frames: [{ filename: '/srv/a.js', in_app: true, ...frame }] } }] } });

const groups = async () => ((await t.app.inject({ url: '/api/errors', headers: auth })).json() as { total: number }).total;

describe('Sentry frame numbers', () => {
  it.each([
    ['lineno 1e21', { lineno: 1e21 }],
    ['lineno 2^63', { lineno: 2 ** 63 }],
    ['lineno -1', { lineno: -1 }],
    ['lineno 1.5', { lineno: 1.5 }],
    ['colno 2^53', { lineno: 3, colno: 2 ** 53 }],
    [`lineno ${MAX_FRAME_NUMBER + 1}`, { lineno: MAX_FRAME_NUMBER + 1 }],
  ])('%s: 400 invalid_event, nothing stored', async (_name, frame) => {
    const res = await t.app.inject({ method: 'POST', url: `/api/${project.id}/store/?sentry_key=${project.ingest_key}`, headers: { 'content-type': 'application/json' }, payload: event(frame) });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ code: 'invalid_event', error: expect.stringMatching(/(lineno|colno) must be a whole number/) });
    expect(await groups()).toBe(0);
  });

  it('the largest line number is stored, and a non-number still reads as no line', async () => {
    const url = `/api/${project.id}/store/?sentry_key=${project.ingest_key}`;
    const ok = await t.app.inject({ method: 'POST', url, headers: { 'content-type': 'application/json' }, payload: event({ lineno: MAX_FRAME_NUMBER, colno: 0 }) });
    expect(ok.statusCode).toBe(200);
    const list = (await t.app.inject({ url: '/api/errors', headers: auth })).json() as { errors: { line: number }[] };
    expect(list.errors[0]!.line).toBe(MAX_FRAME_NUMBER);
    const text = JSON.stringify({ ...JSON.parse(event({ lineno: '12' })), event_id: 'b'.repeat(32) });
    expect((await t.app.inject({ method: 'POST', url, headers: { 'content-type': 'application/json' }, payload: text })).statusCode).toBe(200);
  });
});

describe('search', () => {
  it.each(['abc%00', '%00', 'a%00b%00c'])('search=%s: 400 validation_failed on the search field', async (q) => {
    const res = await t.app.inject({ url: `/api/errors?search=${q}`, headers: auth });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ code: 'validation_failed', details: [{ path: 'search', message: expect.stringContaining('NUL') }] });
  });
});

describe('URLs Fastify cannot decode', () => {
  it.each(['/%ff', '/api/errors/%ff', '/api/projects/%ff/rotate-key', '/api/errors/%e0%a4%a'])('%s: the catalogue\'s 400 with the security headers', async (url) => {
    const res = await t.app.inject({ method: url.endsWith('rotate-key') ? 'POST' : 'GET', url, headers: auth });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toEqual({ code: 'bad_url', error: expect.stringContaining('not valid') });
    expect(res.headers['content-security-policy']).toContain("default-src 'none'");
    expect(res.headers['x-content-type-options']).toBe('nosniff');
  });
});

describe('415 names the type received', () => {
  it.each([
    ['application/x-www-form-urlencoded', 'a=b'],
    ['text/xml', '<a/>'],
    ['text/xml; charset=utf-8', '<a/>'],
    ['multipart/form-data; boundary=x', '--x--'],
  ])('%s', async (type, payload) => {
    const res = await t.app.inject({ method: 'POST', url: '/api/errors', headers: { ...auth, 'content-type': type }, payload });
    expect(res.statusCode).toBe(415);
    expect(res.json()).toEqual({ code: 'unsupported_media_type', error: `Unsupported Content-Type '${type.split(';')[0]}'; send application/json` });
  });
});

/** One raw request over a socket, for what clients such as fetch or inject cannot send. */
function raw(port: number, request: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.end(request));
    let data = '';
    socket.on('data', (d) => (data += d));
    socket.on('error', reject);
    socket.on('close', () => {
      const [head = '', ...rest] = data.split('\r\n\r\n');
      resolve({ status: Number(head.split(' ')[1]), body: rest.join('\r\n\r\n') });
    });
  });
}

describe('the Host header of the project routes', () => {
  let port: number;
  beforeEach(async () => {
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    port = (t.app.server.address() as { port: number }).port;
  });

  const send = (method: string, path: string, hostLine: string | null, version = '1.1', body?: string) => {
    const headers = [`${method} ${path} HTTP/${version}`, ...(hostLine === null ? [] : [`Host: ${hostLine}`]), `X-API-Key: ${auth['x-api-key']}`, 'Connection: close'];
    if (body !== undefined) headers.push('Content-Type: application/json', `Content-Length: ${Buffer.byteLength(body)}`);
    return raw(port, `${headers.join('\r\n')}\r\n\r\n${body ?? ''}`);
  };

  const cases: Array<[string, string | null, string]> = [
    ['Host: [', '[', '1.1'],
    ['Host: a b', 'a b', '1.1'],
    ['Host: a/b (a path in the host)', 'a/b', '1.1'],
    ['Host: u@evil.example', 'u@evil.example', '1.1'],
    ['no Host over HTTP/1.0', null, '1.0'],
  ];

  it.each(cases)('%s: creating a project is a 400 bad_host and creates nothing', async (_name, host, version) => {
    const res = await send('POST', '/api/projects', host, version, JSON.stringify({ name: 'blog' }));
    expect(res.status).toBe(400);
    expect(JSON.parse(res.body)).toMatchObject({ code: 'bad_host' });
    expect((await t.store.listProjects())).toEqual(['shop']);
  });

  it.each(cases)('%s: rotating a key is a 400 bad_host and the key stays', async (_name, host, version) => {
    const res = await send('POST', '/api/projects/shop/rotate-key', host, version);
    expect(res.status).toBe(400);
    expect(JSON.parse(res.body)).toMatchObject({ code: 'bad_host' });
    expect((await t.store.getProject('shop'))!.ingestKey).toBe(project.ingest_key);
    // The old key still works.
    expect((await postError(t.app, report(), { 'x-api-key': project.ingest_key })).statusCode).toBe(201);
  });

  it.each(cases)('%s: reading a project is a 400 bad_host', async (_name, host, version) => {
    const res = await send('GET', '/api/projects/shop', host, version);
    expect(res.status).toBe(400);
    expect(JSON.parse(res.body)).toMatchObject({ code: 'bad_host' });
  });

  it('ordinary hosts still make DSNs: a name with a port, an underscore, IPv4, IPv6', async () => {
    for (const host of ['errors.example.com:5010', 'error_tracker:5010', '10.0.0.7', '[::1]:5010']) {
      const res = await send('GET', '/api/projects/shop', host);
      expect(res.status, host).toBe(200);
      expect(JSON.parse(res.body).dsn).toBe(`http://${project.ingest_key}@${host}/${project.id}`);
    }
  });
});

describe('with PUBLIC_URL set the Host header does not matter', () => {
  it('no Host over HTTP/1.0 still creates the project, with the DSN from PUBLIC_URL', async () => {
    const pub = await buildTestApp({ PUBLIC_URL: 'https://errors.example.com' });
    try {
      await pub.app.listen({ port: 0, host: '127.0.0.1' });
      const port = (pub.app.server.address() as { port: number }).port;
      const body = JSON.stringify({ name: 'blog' });
      const res = await raw(port, `POST /api/projects HTTP/1.0\r\nX-API-Key: ${auth['x-api-key']}\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`);
      expect(res.status).toBe(201);
      expect(JSON.parse(res.body).dsn).toMatch(/^https:\/\/[0-9a-f]{32}@errors\.example\.com\/\d+$/);
    } finally {
      await pub.close();
    }
  });
});
