// Each channel kind, delivered to a real local receiver: the payload shape its service documents, and untrusted text kept on its line and out of the markup.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { deliver } from '../../../src/alerts/channels/deliver.js';
import { formatNotification } from '../../../src/alerts/channels/index.js';
import type { ChannelConfig, ChannelKind, Notification } from '../../../src/alerts/channels/types.js';
import { SIGNATURE_HEADER, WEBHOOK_PAYLOAD_VERSION } from '../../../src/alerts/channels/webhook.js';
import { hostile, notification } from './fixtures.js';
import { startReceiver, type Receiver } from './receiver.js';

let rx: Receiver;
beforeAll(async () => {
  rx = await startReceiver();
});
afterAll(() => rx.close());
beforeEach(() => {
  rx.received.length = 0;
});

const OPTIONS = { timeoutMs: 10_000, privateAddresses: 'allow' as const };

async function send(kind: ChannelKind, n: Notification, path = '/hook/SECRET', token?: string) {
  const channel: ChannelConfig = { id: `project:shop:1`, kind, url: `${rx.origin}${path}`, project: 'shop', ...(token ? { token } : {}) };
  const result = await deliver(formatNotification(channel, n, { webhookSecret: 'global-secret-0123456789' }), OPTIONS);
  expect(result).toEqual({ ok: true, status: 200, retryable: false });
  expect(rx.received).toHaveLength(1);
  return rx.received[0]!;
}

/** Every string anywhere in a JSON value. */
function strings(v: unknown): string[] {
  if (typeof v === 'string') return [v];
  if (Array.isArray(v)) return v.flatMap(strings);
  if (v && typeof v === 'object') return Object.values(v).flatMap(strings);
  return [];
}

describe('Slack (incoming webhook, Block Kit)', () => {
  // https://api.slack.com/messaging/webhooks: POST JSON with `text` (the notification fallback) and `blocks`.
  // https://api.slack.com/reference/block-kit/blocks: header (plain_text, <= 150), section (text <= 3000, <= 10 fields of <= 2000), context.
  it('posts text and blocks with the project, type, message, frame, counts, users, release, environment, rule and link', async () => {
    const r = await send('slack', notification({ kind: 'spike', why: { rule: 'spike', events: 120, minutes: 5, usualPerHour: 4 } }));
    expect(r.method).toBe('POST');
    expect(r.url).toBe('/hook/SECRET');
    expect(r.headers['content-type']).toBe('application/json');
    const p = r.json();
    expect(Object.keys(p).sort()).toEqual(['blocks', 'text']);
    expect(p.text).toBe('[shop] Spike: ValueError: bad quantity');
    expect(p.blocks[0]).toEqual({ type: 'header', text: { type: 'plain_text', text: '[shop] Spike: ValueError', emoji: false } });
    expect(p.blocks[1]).toEqual({ type: 'section', text: { type: 'plain_text', text: 'bad quantity', emoji: false } });
    expect(p.blocks[2].type).toBe('section');
    expect(p.blocks[2].fields.length).toBeLessThanOrEqual(10);
    expect(p.blocks[2].fields.map((f: { type: string; text: string }) => [f.type, f.text])).toEqual([
      ['mrkdwn', '*Where*\n/srv/app/orders.py:12 in place_order'],
      ['mrkdwn', '*Events*\n3'],
      ['mrkdwn', '*Users*\n2'],
      ['mrkdwn', '*Release*\nshop@1.4.2'],
      ['mrkdwn', '*Environment*\nproduction'],
      ['mrkdwn', '*First seen*\n2026-03-01T11:58:00.000Z'],
    ]);
    expect(p.blocks[3]).toEqual({
      type: 'context',
      elements: [
        { type: 'mrkdwn', text: '*Rule* Spike: 120 events in 5 min (usually 4 an hour)' },
        { type: 'mrkdwn', text: '*Project* shop' },
      ],
    });
    expect(p.blocks[4]).toEqual({ type: 'section', text: { type: 'mrkdwn', text: '<https://errors.example.com/?error=42|Open in error-tracker>' } });
  });

  // https://api.slack.com/reference/surfaces/formatting#escaping: &, < and > become &amp; &lt; &gt; (so no <!channel>, no <url|text>).
  it('escapes mrkdwn control characters and keeps each field on one line', async () => {
    const p = (await send('slack', hostile())).json();
    const mrkdwn = strings(p.blocks.slice(2)).join('\n');
    expect(mrkdwn).not.toMatch(/<!channel>|<https:\/\/evil/);
    expect(p.text).toContain('&lt;!channel&gt;');
    expect(p.blocks[2].fields[3].text).toBe('*Release*\nr1 Release: fake');
    expect(p.blocks[1].text.text).not.toContain('\n');
    expect(p.blocks[1].text.text).toContain('\ufffdgnp.exe');
    expect(p.blocks[0].text.text).toBe('[shop] New error: Evil Type <@U123>');
  });
});

describe('Discord (webhook, embed)', () => {
  // https://discord.com/developers/docs/resources/webhook#execute-webhook: `embeds` (array of embed objects), `allowed_mentions`.
  // https://discord.com/developers/docs/resources/message#embed-object-embed-limits: title 256, description 4096, 25 fields, name 256, value 1024.
  it('posts one embed with title, link, description, colour, inline fields, footer and timestamp, and no mentions', async () => {
    const p = (await send('discord', notification({ kind: 'regression', why: { rule: 'regression' } }))).json();
    expect(Object.keys(p).sort()).toEqual(['allowed_mentions', 'embeds']);
    expect(p.allowed_mentions).toEqual({ parse: [] });
    expect(p.embeds).toHaveLength(1);
    const e = p.embeds[0];
    expect(e.title).toBe('[shop] Regression: ValueError');
    expect(e.url).toBe('https://errors.example.com/?error=42');
    expect(e.description).toBe('bad quantity');
    expect(Number.isInteger(e.color)).toBe(true);
    expect(e.timestamp).toBe('2026-03-01T12:00:00.000Z');
    expect(e.footer).toEqual({ text: 'error-tracker · shop' });
    expect(e.fields).toEqual([
      { name: 'Where', value: '/srv/app/orders.py:12 in place\\_order', inline: true },
      { name: 'Events', value: '3', inline: true },
      { name: 'Users', value: '2', inline: true },
      { name: 'Release', value: 'shop\\@1.4.2', inline: true },
      { name: 'Environment', value: 'production', inline: true },
      { name: 'First seen', value: '2026-03-01T11:58:00.000Z', inline: true },
      { name: 'Rule', value: 'Regression: a resolved group happened again', inline: false },
    ]);
  });

  it('escapes Markdown, masked links and mentions, and keeps fields on one line', async () => {
    const e = (await send('discord', hostile())).json().embeds[0];
    expect(e.description).not.toContain('\n');
    expect(e.description).toContain('\\[click\\]\\(https://evil.example\\)');
    expect(e.description).toContain('\\<https://evil.example|here\\>'.replace('|', '\\|'));
    expect(e.description).toContain('\\@everyone');
    expect(e.description).toContain('\\*bold\\*');
    expect(e.title).toBe('[shop] New error: Evil Type <@U123>');
  });
});

describe('Microsoft Teams (Workflows webhook, Adaptive Card)', () => {
  // https://learn.microsoft.com/en-us/microsoftteams/platform/webhooks-and-connectors/how-to/connectors-using#send-adaptive-cards-using-an-incoming-webhook:
  // {"type":"message","attachments":[{"contentType":"application/vnd.microsoft.card.adaptive","contentUrl":null,"content":{AdaptiveCard}}]}
  // https://adaptivecards.io/explorer/ : AdaptiveCard (version, body, actions), TextBlock, FactSet, Action.OpenUrl.
  it('posts a message with one Adaptive Card: title, message, facts, rule and an Open button', async () => {
    const p = (await send('teams', notification({ kind: 'impact', why: { rule: 'impact', users: 250, minutes: 60 } }))).json();
    expect(p.type).toBe('message');
    expect(p.attachments).toHaveLength(1);
    expect(p.attachments[0].contentType).toBe('application/vnd.microsoft.card.adaptive');
    expect(p.attachments[0].contentUrl).toBeNull();
    const card = p.attachments[0].content;
    expect(card.type).toBe('AdaptiveCard');
    expect(card.$schema).toBe('http://adaptivecards.io/schemas/adaptive-card.json');
    expect(card.version).toBe('1.4');
    expect(card.body.map((b: { type: string }) => b.type)).toEqual(['TextBlock', 'TextBlock', 'FactSet', 'TextBlock']);
    expect(card.body[0]).toMatchObject({ text: '\\[shop\\] Impact: ValueError', weight: 'Bolder', wrap: true });
    expect(card.body[1]).toMatchObject({ text: 'bad quantity', wrap: true });
    expect(card.body[2].facts).toEqual([
      { title: 'Where', value: '/srv/app/orders.py:12 in place\\_order' },
      { title: 'Events', value: '3' },
      { title: 'Users', value: '2' },
      { title: 'Release', value: 'shop@1.4.2' },
      { title: 'Environment', value: 'production' },
      { title: 'First seen', value: '2026-03-01T11:58:00.000Z' },
    ]);
    expect(card.body[3].text).toBe('Impact: 250 distinct users in 60 min');
    expect(card.actions).toEqual([{ type: 'Action.OpenUrl', title: 'Open in error-tracker', url: 'https://errors.example.com/?error=42' }]);
  });

  it('escapes Markdown links and emphasis, and keeps text on one line', async () => {
    const card = (await send('teams', hostile())).json().attachments[0].content;
    expect(card.body[1].text).not.toContain('\n');
    expect(card.body[1].text).toContain('\\[click\\]\\(https://evil.example\\)');
    expect(card.body[1].text).toContain('\\*bold\\*');
  });
});

describe('ntfy (topic URL, headers)', () => {
  // https://docs.ntfy.sh/publish/: POST the message to the topic URL; Title (#message-title), Priority 1-5
  // (#message-priority), Tags as comma-separated emoji short codes (#tags-emojis), Click (#click-action),
  // Authorization: Bearer <token> (#access-tokens); non-ASCII headers RFC 2047-encoded (#message-title).
  it('posts plain text to the topic with title, priority, tags, click and the access token', async () => {
    const r = await send('ntfy', notification({ kind: 'spike', why: { rule: 'spike', events: 120, minutes: 5 } }), '/alerts-topic', 'tk_0123456789abcdef');
    expect(r.url).toBe('/alerts-topic');
    expect(r.headers['content-type']).toBe('text/plain; charset=utf-8');
    expect(r.headers.title).toBe('[shop] Spike: ValueError');
    expect(r.headers.priority).toBe('5');
    expect(r.headers.tags).toBe('chart_with_upwards_trend,spike');
    expect(r.headers.click).toBe('https://errors.example.com/?error=42');
    expect(r.headers.authorization).toBe('Bearer tk_0123456789abcdef');
    expect(r.text.split('\n')).toEqual([
      'bad quantity',
      'Where: /srv/app/orders.py:12 in place_order',
      'Events: 3',
      'Users: 2',
      'Release: shop@1.4.2',
      'Environment: production',
      'First seen: 2026-03-01T11:58:00.000Z',
      'Spike: 120 events in 5 min',
    ]);
  });

  it('sends no Authorization without a token, encodes a non-ASCII title (RFC 2047), and keeps each field on its own line', async () => {
    const r = await send('ntfy', hostile({ project: 'café' }), '/t');
    expect(r.headers.authorization).toBeUndefined();
    const m = /^=\?UTF-8\?B\?([A-Za-z0-9+/=]+)\?=$/.exec(String(r.headers.title));
    expect(m).not.toBeNull();
    expect(Buffer.from(m![1]!, 'base64').toString('utf8')).toBe('[café] New error: Evil Type <@U123>');
    const lines = r.text.split('\n');
    expect(lines[0]).toContain('boom Open: https://evil.example/login');
    expect(lines.filter((l) => l.startsWith('Release:'))).toEqual(['Release: r1 Release: fake']);
  });
});

describe('Mattermost (Slack-compatible incoming webhook)', () => {
  // https://developers.mattermost.com/integrate/webhooks/incoming/: `text` and Slack-compatible `attachments`.
  // https://developers.mattermost.com/integrate/reference/message-attachments/: fallback, color, title, title_link, text, fields {short, title, value}.
  it('posts text and one attachment with fallback, colour, title link and fields', async () => {
    const p = (await send('mattermost', notification())).json();
    expect(p.text).toBe('**\\[shop\\] New error\\: ValueError**');
    expect(p.attachments).toHaveLength(1);
    const a = p.attachments[0];
    expect(a.fallback).toBe('[shop] New error: ValueError: bad quantity');
    expect(a.color).toMatch(/^#[0-9a-f]{6}$/);
    expect(a.title).toBe('ValueError');
    expect(a.title_link).toBe('https://errors.example.com/?error=42');
    expect(a.text).toBe('bad quantity');
    expect(a.fields.map((f: { title: string }) => f.title)).toEqual(['Where', 'Events', 'Users', 'Release', 'Environment', 'First seen', 'Rule']);
    expect(a.fields[1]).toEqual({ short: true, title: 'Events', value: '3' });
    expect(a.fields[6]).toEqual({ short: false, title: 'Rule', value: 'New group\\: first time this error was seen' });
  });

  it('breaks @channel and @everyone mentions and escapes Markdown', async () => {
    const a = (await send('mattermost', hostile())).json().attachments[0];
    expect(strings(a).join(' ')).not.toMatch(/@(channel|everyone|here|all)\b/);
    expect(a.text).toContain('\\[click\\]\\(https\\:');
    expect(a.text).not.toContain('\n');
  });
});

describe('generic webhook (signed, versioned JSON)', () => {
  it('signs the raw body with HMAC-SHA256 in X-Error-Tracker-Signature, and the receiver can verify it', async () => {
    const secret = 'project-secret-0123456789';
    const r = await send('webhook', notification(), '/receiver', secret);
    const given = String(r.headers[SIGNATURE_HEADER]);
    expect(given).toMatch(/^sha256=[0-9a-f]{64}$/);
    // What a receiver does: recompute over the bytes as received, compare in constant time.
    const expected = Buffer.from(`sha256=${createHmac('sha256', secret).update(r.raw).digest('hex')}`);
    expect(timingSafeEqual(Buffer.from(given), expected)).toBe(true);
    // Another secret (the global one) does not verify.
    const other = `sha256=${createHmac('sha256', 'global-secret-0123456789').update(r.raw).digest('hex')}`;
    expect(given).not.toBe(other);
    expect(r.headers['x-error-tracker-event']).toBe('new');
    expect(r.headers['x-error-tracker-payload-version']).toBe(String(WEBHOOK_PAYLOAD_VERSION));
  });

  it('signs with ALERT_WEBHOOK_SECRET when the channel has none of its own', async () => {
    const r = await send('webhook', notification());
    expect(r.headers[SIGNATURE_HEADER]).toBe(`sha256=${createHmac('sha256', 'global-secret-0123456789').update(r.raw).digest('hex')}`);
  });

  it('sends payload version 1 as the README documents it', async () => {
    const r = await send('webhook', notification({ kind: 'spike', why: { rule: 'spike', events: 120, minutes: 5, usualPerHour: 4 }, held: { newCount: 3, regressionCount: 1, since: '2026-03-01T11:00:00.000Z', dueAt: '2026-03-01T11:10:00.000Z', samples: [] } }), '/r', 'project-secret-0123456789');
    expect(r.json()).toEqual({
      version: 1,
      event: 'spike',
      at: '2026-03-01T12:00:00.000Z',
      project: 'shop',
      title: '[shop] Spike: ValueError',
      rule: { rule: 'spike', events: 120, minutes: 5, usual_per_hour: 4, description: 'Spike: 120 events in 5 min (usually 4 an hour)' },
      group: {
        id: 42,
        type: 'ValueError',
        message: 'bad quantity',
        culprit: '/srv/app/orders.py:12 in place_order',
        count: 3,
        users: 2,
        release: 'shop@1.4.2',
        environment: 'production',
        first_seen: '2026-03-01T11:58:00.000Z',
        last_seen: '2026-03-01T12:00:00.000Z',
      },
      link: 'https://errors.example.com/?error=42',
      held: { new_count: 3, regression_count: 1, since: '2026-03-01T11:00:00.000Z' },
    });
  });

  it('is exactly what the README documents as payload version 1', async () => {
    const readme = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');
    const section = readme.slice(readme.indexOf('#### Generic webhook'));
    const documented = JSON.parse(/```json\n([\s\S]*?)```/.exec(section)![1]!);
    const r = await send('webhook', notification({ kind: 'spike', why: { rule: 'spike', events: 120, minutes: 5, usualPerHour: 4 }, held: { newCount: 3, regressionCount: 1, since: '2026-03-01T11:00:00.000Z', dueAt: '2026-03-01T11:10:00.000Z', samples: [] } }), '/r', 'project-secret-0123456789');
    expect(r.json()).toEqual(documented);
  });

  it('keeps every text field on one line', async () => {
    const p = (await send('webhook', hostile(), '/r', 'project-secret-0123456789')).json();
    for (const s of strings(p)) expect(s).not.toMatch(/[\r\n\u202e]/);
  });
});

describe('Gotify (message API)', () => {
  // https://gotify.net/api-docs (POST /message: title, message, priority, extras; X-Gotify-Key header);
  // https://gotify.net/docs/msgextras (client::notification click.url).
  it('posts title, message, priority and the click URL, with the token in X-Gotify-Key', async () => {
    const r = await send('gotify', notification(), '/gotify', 'AbCdEf0123456');
    expect(r.url).toBe('/gotify/message');
    expect(r.headers['x-gotify-key']).toBe('AbCdEf0123456');
    const p = r.json();
    expect(p).toEqual({
      title: '[shop] New error: ValueError',
      message: expect.stringContaining('Where: /srv/app/orders.py:12 in place_order'),
      priority: 8,
      extras: { 'client::notification': { click: { url: 'https://errors.example.com/?error=42' } } },
    });
  });
});
