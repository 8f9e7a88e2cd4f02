// The budget for request bodies in flight: reserved after the key check, 503 with Retry-After past it, given back when the response is done.
import { EventEmitter } from 'node:events';
import type { ServerResponse } from 'node:http';
import { connect, type Socket } from 'node:net';
import { gzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createBodyBudget } from '../../src/http/body-budget.js';
import { auth, buildTestApp, type TestApp } from '../helper.js';

describe('createBodyBudget', () => {
  it('takes while there is room, and gives back what an account took once its response closes', () => {
    const budget = createBodyBudget(100);
    const first = new EventEmitter();
    const second = new EventEmitter();
    const a = budget.open(first as ServerResponse);
    const b = budget.open(second as ServerResponse);
    expect(a.take(60)).toBe(true);
    expect(b.take(50)).toBe(false);
    expect(b.take(40)).toBe(true);
    expect(budget.inUse()).toBe(100);
    first.emit('close');
    expect(budget.inUse()).toBe(40);
    first.emit('close');
    expect(budget.inUse()).toBe(40);
    second.emit('close');
    expect(budget.inUse()).toBe(0);
  });
});

describe('bodies in flight, on a listening server', () => {
  const LIMIT = 65_536;
  let t: TestApp;
  let base: string;
  let project: { id: number; ingest_key: string };
  let held: Socket | undefined;
  beforeEach(async () => {
    t = await buildTestApp({ MAX_BODY_BYTES: String(LIMIT), MAX_DECOMPRESSED_BYTES: String(LIMIT), MAX_BODY_BYTES_IN_FLIGHT: String(LIMIT) });
    base = await t.app.listen({ host: '127.0.0.1', port: 0 });
    project = (await t.app.inject({ method: 'POST', url: '/api/projects', headers: auth, payload: { name: 'shop' } })).json();
  });
  afterEach(async () => {
    held?.destroy();
    await t.close();
  });

  /** A report whose body is announced (60,000 bytes) and never sent: it holds most of the budget. */
  function holdBudget(withKey: boolean): Socket {
    const { port } = new URL(base);
    const socket = connect({ host: '127.0.0.1', port: Number(port) });
    socket.on('error', () => {});
    socket.write(`POST /api/errors HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n${withKey ? `X-API-Key: ${auth['x-api-key']}\r\n` : ''}Content-Length: 60000\r\n\r\n`);
    return socket;
  }
  const report = () =>
    fetch(`${base}/api/errors`, { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify({ project: 'shop', exception_type: 'E', message: 'x'.repeat(10_000) }) });
  const envelope = () =>
    fetch(`${base}/api/${project.id}/envelope/?sentry_key=${project.ingest_key}`, {
      method: 'POST',
      headers: { 'content-encoding': 'gzip' },
      body: gzipSync(`{}\n{"type":"event"}\n{"message":"${'y'.repeat(10_000)}"}\n`),
    });
  /** Waits (bounded) for a condition that depends on the server having read the held request's headers. */
  async function eventually(status: number, send: () => Promise<Response>): Promise<Response> {
    let res = await send();
    for (let i = 0; i < 100 && res.status !== status; i++) {
      await new Promise((r) => setTimeout(r, 20));
      res = await send();
    }
    return res;
  }

  it('past the budget: 503 server_busy with Retry-After for native and Sentry bodies; served again once it is given back', async () => {
    held = holdBudget(true);
    const busy = await eventually(503, report);
    expect(busy.status).toBe(503);
    expect(busy.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(((await busy.json()) as { code: string }).code).toBe('server_busy');
    const sentryBusy = await envelope();
    expect(sentryBusy.status).toBe(503);
    expect(sentryBusy.headers.get('retry-after')).toMatch(/^\d+$/);

    held.destroy(); // the held request's response closes, and its reservation with it
    expect((await eventually(201, report)).status).toBe(201);
    expect((await envelope()).status).toBe(200);
  });

  it('a request without a valid key holds none of it', async () => {
    held = holdBudget(false);
    await new Promise((r) => setTimeout(r, 200));
    expect((await report()).status).toBe(201);
    expect((await envelope()).status).toBe(200);
  });
});
