// GET/PUT /api/projects/:name/alerts and POST .../alerts/test: settings stored, secrets never shown back nor logged, omitted secrets kept, tests delivered to real receivers.
import { Writable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { DeliveryResult, LastDelivery } from '../../../src/alerts/channels/types.js';
import { SIGNATURE_HEADER } from '../../../src/alerts/channels/webhook.js';
import { buildApp } from '../../../src/app.js';
import { loadConfig } from '../../../src/config.js';
import { createLogger } from '../../../src/logger.js';
import { migrate } from '../../../src/store/sqlite/migrate.js';
import { openDatabase } from '../../../src/store/sqlite/open-database.js';
import { createSqliteProjectAlertStore } from '../../../src/store/sqlite/project-alerts.js';
import { createSqliteStore } from '../../../src/store/sqlite/index.js';
import { API_KEY, auth } from '../../helper.js';
import { startReceiver, type Receiver } from './receiver.js';

const SLACK_SECRET = 'T0SLACK/B0SLACK/slackSECRETpart';
const NTFY_TOPIC = 'topic-very-secret-42';
const NTFY_TOKEN = 'tk_ntfytokensecret123';
const HOOK_SECRET = 'hook-secret-0123456789abcdef';
const GLOBAL_PATH = 'api/webhooks/GLOBALdiscordSECRET';

let rx: Receiver;
beforeAll(async () => {
  rx = await startReceiver();
});
afterAll(() => rx.close());

interface Built {
  app: FastifyInstance;
  logs: () => string;
  recorded: Array<[string, DeliveryResult]>;
  close: () => Promise<void>;
}

async function build(env: Record<string, string> = {}): Promise<Built> {
  const config = loadConfig({ API_KEY, DATABASE_PATH: ':memory:', RATE_LIMIT_PER_MINUTE: '0', LOG_LEVEL: 'debug', PUBLIC_URL: 'https://errors.example.com', ...env });
  const chunks: string[] = [];
  const logger = createLogger('debug', new Writable({ write: (c, _e, cb) => (chunks.push(String(c)), cb()) }));
  const db = openDatabase(':memory:');
  migrate(db);
  const store = createSqliteStore(db);
  const recorded: Array<[string, DeliveryResult]> = [];
  const last = new Map<string, LastDelivery>();
  const app = await buildApp({
    config,
    apiKey: API_KEY,
    store,
    logger,
    projectAlertStore: createSqliteProjectAlertStore(db),
    recordDelivery: (id, result) => {
      recorded.push([id, result]);
      last.set(id, { ...result, at: '2026-03-01T12:00:00.000Z' });
    },
    lastDeliveries: async () => last,
  });
  await app.ready();
  await store.createProject('shop');
  return { app, logs: () => chunks.join(''), recorded, close: async () => (await app.close(), store.close()) };
}

let t: Built;
beforeEach(async () => {
  rx.received.length = 0;
  t = await build({ ALERT_WEBHOOKS: `discord=${rx.origin}/${GLOBAL_PATH}` });
});
afterEach(() => t.close());

const put = (body: unknown, name = 'shop') => t.app.inject({ method: 'PUT', url: `/api/projects/${name}/alerts`, headers: auth, payload: body as object });
const get = (name = 'shop') => t.app.inject({ method: 'GET', url: `/api/projects/${name}/alerts`, headers: auth });
const test = (name = 'shop') => t.app.inject({ method: 'POST', url: `/api/projects/${name}/alerts/test`, headers: auth });
const channels = () => [
  { kind: 'slack', url: `${rx.origin}/services/${SLACK_SECRET}` },
  { kind: 'ntfy', url: `${rx.origin}/${NTFY_TOPIC}`, token: NTFY_TOKEN },
  { kind: 'webhook', url: `${rx.origin}/hook?key=querySECRET`, token: HOOK_SECRET },
];

function expectNoSecret(text: string): void {
  for (const s of ['slackSECRETpart', NTFY_TOPIC, NTFY_TOKEN, HOOK_SECRET, 'querySECRET', 'GLOBALdiscordSECRET']) expect(text, s).not.toContain(s);
}

describe('GET /api/projects/:name/alerts', () => {
  it('shows the defaults: new group and regression on, spike and impact off, no channels; the global channels redacted', async () => {
    const res = await get();
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({
      project: 'shop',
      rules: { new_group: true, regression: true, spike: null, impact: null, cooldown_minutes: null },
      channels: [],
      global_channels: [{ id: 'global:discord:0', kind: 'discord', url: `${rx.origin}/api/…`, has_token: false, last_delivery: null }],
    });
    expectNoSecret(res.body);
  });

  it('answers 404 for an unknown project, 401 without the key', async () => {
    expect((await get('nope')).statusCode).toBe(404);
    expect((await t.app.inject({ method: 'GET', url: '/api/projects/shop/alerts' })).statusCode).toBe(401);
  });
});

describe('PUT /api/projects/:name/alerts', () => {
  it('stores channels and rules, and shows them back with every secret redacted', async () => {
    const res = await put({ channels: channels(), rules: { new_group: false, spike: { events: 100, minutes: 5, times_usual: 10 }, impact: { users: 50 }, cooldown_minutes: 30 } });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.rules).toEqual({ new_group: false, regression: true, spike: { events: 100, minutes: 5, times_usual: 10 }, impact: { users: 50 }, cooldown_minutes: 30 });
    expect(body.channels.map((c: { kind: string; url: string; has_token: boolean }) => [c.kind, c.url, c.has_token])).toEqual([
      ['slack', `${rx.origin}/services/…`, false],
      ['ntfy', `${rx.origin}/…`, true],
      ['webhook', `${rx.origin}/…`, true],
    ]);
    for (const c of body.channels) expect(c.id).toMatch(/^project:shop:\d+$/);
    expectNoSecret(res.body);
    expectNoSecret((await get()).body);
    expectNoSecret(t.logs());
  });

  it('keeps the stored URL and token when a PUT names the channel by id and omits them', async () => {
    const first = (await put({ channels: channels() })).json();
    const ids = first.channels.map((c: { id: string }) => c.id);
    // Only the rules change; the channels are listed by id and kind alone, as the UI sends them.
    const res = await put({ channels: [{ id: ids[0], kind: 'slack' }, { id: ids[1], kind: 'ntfy' }, { id: ids[2], kind: 'webhook' }], rules: { regression: false } });
    expect(res.statusCode).toBe(200);
    expect(res.json().channels.map((c: { id: string }) => c.id)).toEqual(ids);
    const results = (await test()).json().results;
    expect(results.every((r: { ok: boolean }) => r.ok)).toBe(true);
    const paths = rx.received.map((r) => r.url).sort();
    expect(paths).toEqual([`/${GLOBAL_PATH}`, `/${NTFY_TOPIC}`, '/hook?key=querySECRET', `/services/${SLACK_SECRET}`].sort());
    expect(rx.received.find((r) => r.url === `/${NTFY_TOPIC}`)!.headers.authorization).toBe(`Bearer ${NTFY_TOKEN}`);
  });

  it('removes channels left out of the list, and clears a token given as null', async () => {
    const ids = (await put({ channels: channels() })).json().channels.map((c: { id: string }) => c.id);
    const res = await put({ channels: [{ id: ids[1], kind: 'ntfy', token: null }] });
    expect(res.json().channels).toEqual([{ id: ids[1], kind: 'ntfy', url: `${rx.origin}/…`, has_token: false, last_delivery: null }]);
  });

  it.each([
    ['an unknown kind', { channels: [{ kind: 'irc', url: 'https://x.example/h' }] }, 'channels.0.kind'],
    ['a URL that is not http(s)', { channels: [{ kind: 'slack', url: 'ftp://x.example/h' }] }, 'channels.0.url'],
    ['a new channel without URL', { channels: [{ kind: 'slack' }] }, 'channels.0.url'],
    ['an id of no channel of the project', { channels: [{ id: 'project:other:1', kind: 'slack' }] }, 'channels.0.id'],
    ['a short webhook secret', { channels: [{ kind: 'webhook', url: 'https://x.example/h', token: 'short' }] }, 'channels.0.token'],
    ['a token on a Slack channel', { channels: [{ kind: 'slack', url: 'https://x.example/h', token: 'abcdefabcdefabcdef' }] }, 'channels.0.token'],
    ['a spike of 0 events', { rules: { spike: { events: 0, minutes: 5 } } }, 'rules.spike.events'],
    ['times_usual of 1', { rules: { spike: { events: 10, minutes: 5, times_usual: 1 } } }, 'rules.spike.times_usual'],
    ['an unknown rule', { rules: { sometimes: true } }, 'rules'],
    ['more than 20 channels', { channels: Array.from({ length: 21 }, () => ({ kind: 'slack', url: 'https://x.example/h' })) }, 'channels'],
  ])('answers 400 for %s, and changes nothing', async (_what, body, path) => {
    await put({ channels: channels() });
    const before = (await get()).body;
    const res = await put(body);
    expect(res.statusCode).toBe(400);
    expect(res.json().code).toBe('validation_failed');
    expect(res.json().details.map((d: { path: string }) => d.path)).toContain(path);
    expect((await get()).body).toBe(before);
  });

  it('refuses a webhook without a secret when ALERT_WEBHOOK_SECRET is unset, and accepts it when set', async () => {
    const bad = await put({ channels: [{ kind: 'webhook', url: `${rx.origin}/h` }] });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().details[0].path).toBe('channels.0.token');
    await t.close();
    t = await build({ ALERT_WEBHOOK_SECRET: 'global-secret-0123456789' });
    expect((await put({ channels: [{ kind: 'webhook', url: `${rx.origin}/h` }] })).statusCode).toBe(200);
  });

  it('answers 404 for an unknown project and stores nothing', async () => {
    expect((await put({ channels: channels() }, 'nope')).statusCode).toBe(404);
  });
});

describe('POST /api/projects/:name/alerts/test', () => {
  it("sends a test to each of the project's channels and the global ones, returns each result, and records each delivery", async () => {
    await put({ channels: channels() });
    rx.answer = (r, res) => (r.url.startsWith('/services/') ? res.writeHead(429, { 'retry-after': '3' }).end('slow down') : res.writeHead(200).end('ok'));
    try {
      const res = await test();
      expect(res.statusCode).toBe(200);
      const { results } = res.json();
      expect(results.map((r: { kind: string; ok: boolean; status: number }) => [r.kind, r.ok, r.status])).toEqual([
        ['slack', false, 429],
        ['ntfy', true, 200],
        ['webhook', true, 200],
        ['discord', true, 200],
      ]);
      expect(results[0]).toMatchObject({ retryable: true, retry_after_ms: 3000 });
      expectNoSecret(res.body);
      expectNoSecret(t.logs());
      // Each kind got its own format; the webhook is signed.
      const hook = rx.received.find((r) => r.url.startsWith('/hook'))!;
      expect(hook.headers[SIGNATURE_HEADER]).toMatch(/^sha256=[0-9a-f]{64}$/);
      expect(hook.json()).toMatchObject({ version: 1, event: 'test', project: 'shop', rule: { rule: 'test' } });
      expect(rx.received.find((r) => r.url === `/${GLOBAL_PATH}`)!.json().embeds[0].title).toBe('[shop] Test alert: Test alert');
      // recordDelivery heard every result; GET shows each channel's last delivery.
      expect(t.recorded.map(([id]) => id)).toEqual(results.map((r: { id: string }) => r.id));
      const shown = (await get()).json();
      expect(shown.channels[0].last_delivery).toMatchObject({ at: '2026-03-01T12:00:00.000Z', ok: false, status: 429, retryable: true, retry_after_ms: 3000 });
      expect(shown.global_channels[0].last_delivery).toMatchObject({ ok: true, status: 200 });
    } finally {
      rx.answer = (_r, res) => res.writeHead(200).end('ok');
    }
  });

  it('answers with no results when nothing is configured', async () => {
    await t.close();
    t = await build();
    const res = await test();
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ project: 'shop', results: [] });
  });

  it('refuses private receivers with ALERT_WEBHOOK_PRIVATE_ADDRESSES=deny, saying why', async () => {
    await t.close();
    t = await build({ ALERT_WEBHOOK_PRIVATE_ADDRESSES: 'deny' });
    await put({ channels: [channels()[0]!] });
    const { results } = (await test()).json();
    expect(results).toHaveLength(1);
    expect(results[0]).toMatchObject({ ok: false, status: null, retryable: false });
    expect(results[0].error).toContain('private address');
    expect(rx.received).toHaveLength(0);
  });
});
