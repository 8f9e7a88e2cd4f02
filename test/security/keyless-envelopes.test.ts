// Sentry requests without a key: refused after the envelope header line, nothing past it decoded or parsed; item caps.
import { randomBytes } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MAX_ENVELOPE_ITEMS, MAX_HEADER_LINE_BYTES } from '../../src/ingest/sentry/envelope.js';
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

const post = (url: string, payload: Buffer | string, headers: Record<string, string> = {}) =>
  t.app.inject({ method: 'POST', url, headers, payload });
const envelopeUrl = () => `/api/${project.id}/envelope/`;
const dsn = () => `http://${project.ingest_key}@localhost:5010/${project.id}`;
const eventItem = (message: string) => `{"type":"event"}\n{"message":"${message}"}\n`;
const groups = async () => (await t.app.inject({ url: '/api/errors?project=shop', headers: auth })).json().errors as unknown[];

/** A gzip stream whose first bytes decode to `head` and whose later bytes are damaged. */
function gzipWithCorruptTail(head: string): Buffer {
  const body = gzipSync(Buffer.concat([Buffer.from(head), randomBytes(200_000)]), { level: 1 });
  for (let i = body.length - 20_000; i < body.length - 10; i += 7) body[i] = body[i]! ^ 0xff;
  return body;
}

function expectKeyMissing(res: { statusCode: number; json: () => any; headers: Record<string, unknown> }) {
  expect(res.statusCode).toBe(401);
  expect(res.json().code).toBe('unauthorized');
  expect(res.headers.connection).toBe('close');
}

describe('no key in the query or headers: only the header line is read before the key check', () => {
  it('a decompression bomb after a header without dsn: 401, not 413 (the bomb is never decoded)', async () => {
    const bomb = gzipSync(Buffer.concat([Buffer.from('{}\n'), Buffer.alloc(64 * 1024 * 1024)]), { level: 9 });
    expectKeyMissing(await post(envelopeUrl(), bomb, { 'content-encoding': 'gzip' }));
  });

  it('a body whose gzip breaks after the header line: 401, not 400 corrupt_body', async () => {
    expectKeyMissing(await post(envelopeUrl(), gzipWithCorruptTail('{"event_id":"0"}\n'), { 'content-encoding': 'gzip' }));
  });

  it('the issue\'s request, {} and then a million items: 401', async () => {
    const body = gzipSync(`{}\n${'{}\nx\n'.repeat(1_000_000)}`, { level: 9 });
    expectKeyMissing(await post(envelopeUrl(), body, { 'content-encoding': 'gzip' }));
  });

  it('a header line longer than the limit, even with a dsn at its end: 401', async () => {
    const header = `{"pad":"${'p'.repeat(MAX_HEADER_LINE_BYTES)}","dsn":"${dsn()}"}\n`;
    expectKeyMissing(await post(envelopeUrl(), header + eventItem('long header')));
    // With the key in the query the same envelope is fine: the key pays for reading it.
    const keyed = await post(`${envelopeUrl()}?sentry_key=${project.ingest_key}`, header + eventItem('long header'));
    expect(keyed.statusCode).toBe(200);
  });

  it('a /store/ request cannot name its key in the body: 401 before reading it', async () => {
    const res = await post(`/api/${project.id}/store/`, gzipWithCorruptTail('{"message":"x"}'), { 'content-encoding': 'gzip', 'content-type': 'application/json' });
    expectKeyMissing(res);
  });

  it('an unknown key in the dsn: 401, and the failure counts toward the lockout', async () => {
    const body = `{"dsn":"http://${'0'.repeat(32)}@localhost/${project.id}"}\n${eventItem('x')}`;
    expectKeyMissing(await post(envelopeUrl(), body));
    expect(t.logs()).toContain('"event":"auth_failed"');
  });

  it('a valid dsn: the whole envelope is read after the key check, compressed or not, and stored', async () => {
    const plain = await post(envelopeUrl(), `{"dsn":"${dsn()}"}\n${eventItem('plain')}`);
    expect(plain.statusCode).toBe(200);
    // A header line followed by 300 KB of attachment that compresses to little.
    const attachment = 'a'.repeat(300_000);
    const gz = gzipSync(`{"dsn":"${dsn()}"}\n{"type":"attachment","length":${attachment.length}}\n${attachment}\n${eventItem('gzip')}`);
    const res = await post(envelopeUrl(), gz, { 'content-encoding': 'gzip' });
    expect(res.statusCode).toBe(200);
    expect(res.json().id).toMatch(/^[0-9a-f]{32}$/);
    expect(await groups()).toHaveLength(2);
  });

  it('a dsn-only envelope with no newline at all (header only) is read and answers {}', async () => {
    const res = await post(envelopeUrl(), gzipSync(`{"dsn":"${dsn()}"}`), { 'content-encoding': 'gzip' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({});
  });
});

describe('work per envelope', () => {
  const keyed = () => `${envelopeUrl()}?sentry_key=${project.ingest_key}`;

  it(`more than ${MAX_ENVELOPE_ITEMS} items: 413 too_many_items, nothing stored`, async () => {
    const items = '{"type":"client_report"}\n{}\n'.repeat(MAX_ENVELOPE_ITEMS);
    const res = await post(keyed(), gzipSync(`{}\n${eventItem('first')}${items}`), { 'content-encoding': 'gzip' });
    expect(res.statusCode).toBe(413);
    expect(res.json().code).toBe('too_many_items');
    expect(await groups()).toHaveLength(0);
  });

  it(`exactly ${MAX_ENVELOPE_ITEMS} items: accepted`, async () => {
    const items = '{"type":"client_report"}\n{}\n'.repeat(MAX_ENVELOPE_ITEMS - 1);
    const res = await post(keyed(), `{}\n${eventItem('first')}${items}`);
    expect(res.statusCode).toBe(200);
    expect(await groups()).toHaveLength(1);
  });

  it('an item header longer than the limit is not parsed: it ends the envelope, what came before is kept', async () => {
    const huge = `{"type":"event","pad":"${'p'.repeat(MAX_HEADER_LINE_BYTES)}"}\n{"message":"hidden"}\n`;
    const res = await post(keyed(), `{}\n${eventItem('kept')}${huge}`);
    expect(res.statusCode).toBe(200);
    const list = (await t.app.inject({ url: '/api/errors?project=shop', headers: auth })).json().errors;
    expect(list.map((g: { message: string }) => g.message)).toEqual(['kept']);
  });
});
