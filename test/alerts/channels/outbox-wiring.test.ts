// The real process end to end: an alert of a new group reaches a project's own Slack channel and the global
// Discord one through the outbox, once each, and the project's alerts API shows each channel's last delivery.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startServer, type Running } from '../../spawn-server.js';
import { eventually } from '../harness.js';
import { startReceiver, type Receiver } from './receiver.js';

const KEY = 'w'.repeat(40);
let dir: string | undefined;
let server: Running | undefined;
const receivers: Receiver[] = [];

afterEach(async () => {
  if (server && server.child.exitCode === null) {
    server.child.kill('SIGKILL');
    await server.exited;
  }
  server = undefined;
  for (const r of receivers.splice(0)) await r.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const api = (s: Running, path: string, init: { method?: string; body?: unknown } = {}) =>
  fetch(`${s.url}${path}`, {
    method: init.method ?? 'GET',
    headers: { 'x-api-key': KEY, ...(init.body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });

describe('channels through the outbox', { timeout: 60_000 }, () => {
  it("a new group is posted to the project's Slack and the global Discord once each; the API shows their last delivery", async () => {
    dir = mkdtempSync(join(tmpdir(), 'et-wiring-'));
    const slack = await startReceiver();
    const discord = await startReceiver((_r, res) => res.writeHead(204).end());
    receivers.push(slack, discord);
    server = await startServer(dir, { API_KEY: KEY, PUBLIC_URL: 'https://errors.example.com', ALERT_WEBHOOKS: `discord=${discord.origin}/api/webhooks/1/secret-part` });

    expect((await api(server, '/api/projects', { method: 'POST', body: { name: 'shop' } })).status).toBe(201);
    const put = await api(server, '/api/projects/shop/alerts', { method: 'PUT', body: { channels: [{ kind: 'slack', url: `${slack.origin}/services/T1/B2/very-secret` }] } });
    expect(put.status).toBe(200);

    const report = { project: 'shop', exception_type: 'KeyError', message: 'sku 9', traceback: 'Traceback (most recent call last):\n  File "/srv/shop/cart.py", line 42, in add\nKeyError: sku 9\n' };
    const posted = await api(server, '/api/errors', { method: 'POST', body: report });
    expect(posted.status).toBe(201);
    const { id } = (await posted.json()) as { id: number };

    await eventually(() => slack.received.length >= 1 && discord.received.length >= 1, 20_000, 'both channels reached');
    const blocks = JSON.stringify(slack.received[0]!.json().blocks);
    expect(blocks).toContain('KeyError');
    expect(blocks).toContain(`https://errors.example.com/?error=${id}`);
    expect(discord.received[0]!.json().embeds[0].title).toContain('KeyError');

    // A repeat of the group is not news; nothing more is sent.
    await api(server, '/api/errors', { method: 'POST', body: report });
    const alerts = async () => (await (await api(server!, '/api/projects/shop/alerts')).json()) as { channels: Array<{ last_delivery: { ok: boolean } | null }>; global_channels: Array<{ kind: string; last_delivery: { ok: boolean } | null }> };
    let seen = await alerts();
    // The delivery is recorded just after the receiver answers: read again for a while.
    for (let i = 0; i < 100 && !(seen.channels[0]?.last_delivery?.ok && seen.global_channels.find((c) => c.kind === 'discord')?.last_delivery?.ok); i++) {
      await new Promise((r) => setTimeout(r, 200));
      seen = await alerts();
    }
    expect(seen.channels[0]!.last_delivery).toMatchObject({ ok: true });
    expect(seen.global_channels.find((c) => c.kind === 'discord')!.last_delivery).toMatchObject({ ok: true, status: 204 });
    expect(slack.received).toHaveLength(1);
    expect(discord.received).toHaveLength(1);
    expect(server.stdout()).not.toContain('very-secret');
    expect(server.stdout()).not.toContain('secret-part');
  });
});
