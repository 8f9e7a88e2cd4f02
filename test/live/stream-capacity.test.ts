// A thousand open streams against a real process: what they cost in memory, that all hear a change, and that SIGTERM ends them promptly.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { ChangeBatch } from '../../src/live/types.js';
import { waitFor } from '../chromium.js';
import { API_KEY } from '../helper.js';
import { startServer, type Running } from '../spawn-server.js';
import { openStream, type SseClient } from './sse-client.js';

vi.setConfig({ testTimeout: 180_000 });

const STREAMS = 1000;
let dir: string;
let server: Running;
const clients: SseClient[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'et-live-cap-'));
  server = await startServer(dir, { API_KEY, DATABASE_PATH: join(dir, 'errors.db'), RATE_LIMIT_PER_MINUTE: '0', MAX_CONNECTIONS_PER_ADDRESS: '0' });
});

afterAll(async () => {
  for (const c of clients) c.close();
  if (server.child.exitCode === null) server.child.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

const rssMb = () => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${server.child.pid}/status`, 'utf8'))![1]) / 1024;

describe('a thousand streams', () => {
  it('cost little memory, all hear a change, and end at once on SIGTERM', async () => {
    const { token } = (await (await fetch(`${server.url}/api/stream-token`, { method: 'POST', headers: { 'x-api-key': API_KEY } })).json()) as { token: string };
    const url = `${server.url}/api/stream?token=${encodeURIComponent(token)}`;
    // Warm: the first streams and a change load the code paths; what follows is what streams add.
    for (let i = 0; i < 10; i++) clients.push(await openStream(url));
    const post = (type: string) => fetch(`${server.url}/api/errors`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-api-key': API_KEY }, body: JSON.stringify({ project: 'cap', exception_type: type, message: 'm', traceback: '' }) });
    await post('Warmup');
    await new Promise((r) => setTimeout(r, 1000));
    const before = rssMb();
    for (let i = 10; i < STREAMS; i += 50) clients.push(...(await Promise.all(Array.from({ length: Math.min(50, STREAMS - i) }, () => openStream(url)))));
    expect(clients.every((c) => c.status === 200)).toBe(true);
    await waitFor(async () => (clients.every((c) => c.events.length > 0) ? true : undefined), 60_000);
    const after = rssMb();
    const perStreamKb = ((after - before) * 1024) / (STREAMS - 10);
    console.info(`RSS with ${STREAMS} idle streams: ${before.toFixed(1)} MB -> ${after.toFixed(1)} MB (${perStreamKb.toFixed(1)} KB a stream)`);
    // Generous: measured about 10-20 KB a stream; a leak of a message buffer per stream would be far above.
    expect(after - before).toBeLessThan(100);

    const { id } = (await (await post('ForAll')).json()) as { id: number };
    await waitFor(async () => (clients.every((c) => c.data<ChangeBatch>('changes').some((b) => b.groups.some((g) => g.id === id))) ? true : undefined), 60_000);

    server.child.kill('SIGTERM');
    expect(await server.exited).toBe(0);
    // Every step of the shutdown finished within its budget: the open streams did not hold it up.
    expect(server.stdout()).toContain('"clean":true');
    await Promise.all(clients.map((c) => c.ended));
  });
});
