// Issue 14, finding 5 at small scale: compressed events no longer multiply into disk, nor into the list.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LIMITS } from '../../src/ingest/limits.js';
import { auth, buildTestApp, type TestApp } from '../helper.js';

let dir: string;
let t: TestApp;
beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'et-stored-size-'));
  t = await buildTestApp({}, join(dir, 'errors.db'));
});
afterEach(async () => {
  await t.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Text that compresses like the events (about 400:1) yet is not one repeated trigram. */
const bulky = (seed: number, size: number) => {
  const words = Array.from({ length: 64 }, (_, i) => `w${(seed * 64 + i).toString(36)}`).join(' ');
  return words.repeat(Math.ceil(size / words.length)).slice(0, size);
};
const dbBytes = () => (t.db.pragma('page_count', { simple: true }) as number) * (t.db.pragma('page_size', { simple: true }) as number);

async function sendEvent(project: { id: number; ingest_key: string }, i: number) {
  const event = {
    event_id: i.toString(16).padStart(32, '0'),
    platform: 'node',
    exception: { values: [{ type: `BigError${i}`, value: bulky(i, 600_000), stacktrace: { frames: [{ filename: '/srv/app.js', lineno: i + 1, function: 'f', in_app: true }] } }] },
    extra: { blob: bulky(i + 1000, 300_000) },
    request: { url: 'https://shop.example.com/', headers: { 'user-agent': bulky(i + 2000, 50_000) } },
  };
  const item = JSON.stringify(event);
  const envelope = `${JSON.stringify({ event_id: event.event_id })}\n${JSON.stringify({ type: 'event', length: Buffer.byteLength(item) })}\n${item}\n`;
  const body = gzipSync(envelope);
  const res = await t.app.inject({
    method: 'POST',
    url: `/api/${project.id}/envelope/`,
    headers: { 'content-type': 'application/x-sentry-envelope', 'content-encoding': 'gzip', 'x-sentry-auth': `Sentry sentry_key=${project.ingest_key}, sentry_version=7` },
    payload: body,
  });
  expect(res.statusCode, res.body).toBe(200);
  return body.length;
}

describe('stored size', () => {
  it('gzip events of ~1 MB each grow the database by a bounded amount each, not by their decompressed size', async () => {
    const project = (await t.app.inject({ method: 'POST', url: '/api/projects', headers: auth, payload: { name: 'shop' } })).json();
    const before = dbBytes();
    const events = 20;
    let wire = 0;
    for (let i = 0; i < events; i++) wire += await sendEvent(project, i);
    const growth = dbBytes() - before;
    // Each event is a new group (the worst case): a group, its traceback, an occurrence and the
    // search index of the message. ~1 MB decompressed per event grew it by several MB before.
    expect(wire / events).toBeLessThan(10_000);
    expect(growth / events).toBeLessThan(200_000); // measured ~50 KB (2.7 MB before the caps)
    const { errors } = (await t.app.inject({ url: '/api/errors?limit=200', headers: auth })).json();
    const detail = (await t.app.inject({ url: `/api/errors/${errors[0].id}`, headers: auth })).json();
    expect(detail.error.message.length).toBe(LIMITS.message.max);
    expect(detail.error.message.endsWith('…')).toBe(true);
    expect(detail.occurrences[0].message).toBe(detail.error.message);
  });

  it('a list of 200 groups with huge messages answers a bounded excerpt each; the detail has the whole (capped) text', async () => {
    for (let i = 0; i < 200; i++) {
      await t.store.ingest({
        fingerprint: i.toString(16).padStart(32, '0'), project: 'shop', exceptionType: 'E', message: bulky(i, 8_000), traceback: '',
        file: '', line: null, function: '', source: 'server', timestamp: '2026-03-01T11:00:00.000Z', requestUrl: null, requestMethod: null,
        requestHeaders: null, userId: null, extra: null, release: null, environment: null, details: null,
      });
    }
    // and one stored by an earlier version, before the caps
    const legacy = await t.store.ingest({
      fingerprint: 'f'.repeat(32), project: 'shop', exceptionType: 'E', message: bulky(999, 1_000_000), traceback: '',
      file: '', line: null, function: '', source: 'server', timestamp: '2026-03-01T11:30:00.000Z', requestUrl: null, requestMethod: null,
      requestHeaders: null, userId: null, extra: null, release: null, environment: null, details: null,
    });
    const res = await t.app.inject({ url: '/api/errors?limit=200', headers: auth });
    const page = res.json();
    expect(page.errors).toHaveLength(200);
    // 1.6 MB of messages before (200 MB with the 1 MB ones); now about 600 bytes a row.
    expect(res.body.length).toBeLessThan(200 * 1_200);
    for (const e of page.errors) {
      expect(e.message.length).toBeLessThanOrEqual(LIMITS.listExcerpt.max);
      expect(e.message_truncated).toBe(true);
      expect(e.message.endsWith('…')).toBe(true);
    }
    const detail = (await t.app.inject({ url: `/api/errors/${legacy.id}`, headers: auth })).json();
    expect(detail.error.message).toBe(bulky(999, 1_000_000));
    const short = (await t.app.inject({ method: 'POST', url: '/api/errors', headers: auth, payload: { project: 'shop', exception_type: 'Short', message: 'brief' } })).json();
    const listed = (await t.app.inject({ url: '/api/errors?search=Short', headers: auth })).json().errors;
    expect(listed.find((e: { id: number }) => e.id === short.id)).toMatchObject({ message: 'brief', message_truncated: false });
  });
});
