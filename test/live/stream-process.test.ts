// GET /api/stream against a real `node dist/server.js`, read by a plain HTTP client: arrival, coalescing, resume, slow clients, heartbeats.
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { INTERVAL_MS } from '../../src/live/index.js';
import type { ChangeBatch } from '../../src/live/types.js';
import { waitFor } from '../chromium.js';
import { API_KEY } from '../helper.js';
import { startServer, type Running } from '../spawn-server.js';
import { openStream, type SseClient } from './sse-client.js';

// A real process on a shared machine: generous waits; nothing here asserts a speed.
vi.setConfig({ testTimeout: 120_000 });

let dir: string;
let server: Running;
const open: SseClient[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'et-live-'));
  server = await startServer(dir, {
    API_KEY,
    DATABASE_PATH: join(dir, 'errors.db'),
    RATE_LIMIT_PER_MINUTE: '0',
    QUOTA_EVENTS_PER_MINUTE: '0',
    QUOTA_EVENTS_PER_HOUR: '0',
    STREAM_HEARTBEAT_SECONDS: '1',
  });
});

afterEach(() => {
  for (const c of open.splice(0)) c.close();
});

afterAll(async () => {
  server?.child.kill('SIGTERM');
  await server?.exited;
  rmSync(dir, { recursive: true, force: true });
});

async function streamToken(): Promise<string> {
  const res = await fetch(`${server.url}/api/stream-token`, { method: 'POST', headers: { 'x-api-key': API_KEY } });
  expect(res.status).toBe(200);
  return ((await res.json()) as { token: string }).token;
}

async function subscribe(headers: Record<string, string> = {}, query = ''): Promise<SseClient> {
  const client = await openStream(`${server.url}/api/stream?token=${encodeURIComponent(await streamToken())}${query}`, headers);
  open.push(client);
  expect(client.status).toBe(200);
  // Subscribed once the greeting is in: changes from here on are this client's.
  await waitFor(async () => (client.events.length > 0 ? true : undefined));
  return client;
}

const report = (type: string, extra: Record<string, unknown> = {}) => ({ project: 'live', exception_type: type, message: `${type} happened`, traceback: '', ...extra });

async function post(body: Record<string, unknown>): Promise<{ id: number }> {
  const res = await fetch(`${server.url}/api/errors`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-api-key': API_KEY }, body: JSON.stringify(body) });
  expect(res.status).toBeLessThan(300);
  return (await res.json()) as { id: number };
}

/** Posts `bodies` with `parallel` requests in flight. */
async function postAll(bodies: Array<Record<string, unknown>>, parallel = 16): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: parallel }, async () => {
    while (next < bodies.length) await post(bodies[next++]!);
  }));
}

const changesOf = (c: SseClient) => c.data<ChangeBatch>('changes');
const groupIn = (c: SseClient, id: number) => changesOf(c).flatMap((b) => b.groups).filter((g) => g.id === id);

describe('the live stream', () => {
  it('pushes a new group to a subscriber', async () => {
    const client = await subscribe();
    const [hello] = client.data<{ resumed: boolean }>('hello');
    expect(hello).toEqual({ resumed: false });
    expect(client.lastId()).toMatch(/^[0-9a-f]+-\d+$/);
    const { id } = await post(report('FreshError', { message: 'just now' }));
    // Generous: the service sends within its 250 ms interval; the wait is for a loaded machine.
    const [change] = await waitFor(async () => (groupIn(client, id).length > 0 ? groupIn(client, id) : undefined), 10_000);
    expect(change).toMatchObject({ id, project: 'live', count: 1, new: true, regression: false, exception_type: 'FreshError', message: 'just now', source: 'server' });
  });

  it('coalesces a burst of 2000 reports into a few messages a second, ending at the right counts', async () => {
    const client = await subscribe();
    const types = ['BurstA', 'BurstB', 'BurstC', 'BurstD'];
    const ids = await Promise.all(types.map(async (t) => (await post(report(t))).id));
    const bodies = Array.from({ length: 2000 }, (_, i) => report(types[i % types.length]!));
    await postAll(bodies);
    const finalCount = 1 + bodies.length / types.length;
    await waitFor(async () => (ids.every((id) => groupIn(client, id).some((g) => g.count === finalCount)) ? true : undefined), 30_000);
    const batches = changesOf(client);
    // Each message at least one interval after the one before, by the service's clock (a busy machine only spreads them
    // further): at most four a second, far fewer than the reports.
    const times = batches.map((b) => Date.parse(b.at));
    for (let i = 1; i < times.length; i++) expect(times[i]! - times[i - 1]!).toBeGreaterThanOrEqual(INTERVAL_MS);
    expect(batches.length).toBeLessThanOrEqual(Math.floor((times.at(-1)! - times[0]!) / INTERVAL_MS) + 1);
    expect(batches.length).toBeLessThan(bodies.length / 4);
    // Each group at most once a message, its counts rising to the final one.
    for (const id of ids) {
      const counts = groupIn(client, id).map((g) => g.count);
      expect(counts).toEqual([...counts].sort((a, b) => a - b));
      expect(counts.at(-1)).toBe(finalCount);
    }
    for (const b of batches) expect(new Set(b.groups.map((g) => g.id)).size).toBe(b.groups.length);
  });

  it('resumes after a reconnect from Last-Event-ID (header or query), and asks for a reload when it cannot', async () => {
    const first = await subscribe();
    const lastId = first.lastId()!;
    first.close();
    const watcher = await subscribe();
    const { id } = await post(report('WhileAway'));
    await waitFor(async () => (groupIn(watcher, id).length > 0 ? true : undefined), 10_000);

    const byHeader = await subscribe({ 'last-event-id': lastId });
    expect(byHeader.data('hello')).toEqual([{ resumed: true, replayed: 1 }]);
    await waitFor(async () => (groupIn(byHeader, id).length > 0 ? true : undefined));
    expect(groupIn(byHeader, id)[0]).toMatchObject({ new: true, count: 1 });
    expect(byHeader.lastId()).toBe(watcher.lastId());

    const byQuery = await subscribe({}, `&last_event_id=${encodeURIComponent(lastId)}`);
    await waitFor(async () => (groupIn(byQuery, id).length > 0 ? true : undefined));

    // An id of another process (a restart) or from before what the ring keeps: reload, with the current id to go on from.
    const foreign = await subscribe({ 'last-event-id': '0badcafe-3' });
    expect(foreign.events.map((e) => e.event)).toEqual(['reload']);
    expect(foreign.lastId()).toBe(watcher.lastId());
  });

  it('sends heartbeat comments on an idle stream', async () => {
    const client = await subscribe();
    await waitFor(async () => (client.comments >= 2 ? true : undefined), 15_000);
  });

  it('drops a client that does not read, while the others get every change', async () => {
    const token = await streamToken();
    // A raw socket that sends its request and never reads: the kernel's buffers fill, then the service's.
    const slow = connect(Number(new URL(server.url).port), '127.0.0.1');
    await new Promise<void>((resolve) => slow.once('connect', resolve));
    slow.write(`GET /api/stream?token=${encodeURIComponent(token)} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`);
    slow.pause();
    slow.on('error', () => {});
    const reader = await subscribe();
    // New groups with long texts: the largest messages the stream sends.
    const long = (i: number) => report(`SlowReaderError${i}`.padEnd(200, 'x'), { message: `m${i} `.padEnd(400, 'y'), traceback: `  File "/srv/${'deep/'.repeat(180)}mod${i}.py", line ${i + 1}, in f\n` });
    let sent = 0;
    const deadline = Date.now() + 90_000;
    while (!server.stdout().includes('stream_dropped') && Date.now() < deadline) {
      const bodies = Array.from({ length: 400 }, (_, k) => long(sent + k));
      sent += bodies.length;
      await postAll(bodies);
    }
    expect(server.stdout()).toMatch(/"event":"stream_dropped","reason":"(buffer|stalled)"/);
    expect(reader.isOpen()).toBe(true);
    // The reader kept up: a change posted after the burst reaches it (posted again while a busy interval's `more` may hide it).
    await waitFor(async () => {
      const { id } = await post(report('SlowReaderMarker'));
      return groupIn(reader, id).length > 0 ? true : undefined;
    }, 15_000);
    slow.destroy();
  });
});
