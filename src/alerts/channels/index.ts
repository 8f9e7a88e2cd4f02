// The channel kinds by name: one formatter per kind, the global channels from the environment, and the test notification.
import type { Config } from '../../config.js';
import { formatDiscord } from './discord.js';
import { formatGotify } from './gotify.js';
import { formatMattermost } from './mattermost.js';
import { formatNtfy } from './ntfy.js';
import { formatSlack } from './slack.js';
import { formatTeams } from './teams.js';
import type { ChannelConfig, ChannelKind, Notification, OutboundRequest } from './types.js';
import { formatWebhook } from './webhook.js';

/** The kinds a project may configure through the API, and ALERT_WEBHOOKS may name. */
export const WEBHOOK_KINDS = ['slack', 'discord', 'teams', 'ntfy', 'mattermost', 'webhook'] as const satisfies readonly ChannelKind[];
export type WebhookKind = (typeof WEBHOOK_KINDS)[number];

export interface FormatOptions {
  /** ALERT_WEBHOOK_SECRET: signs a generic webhook that has no secret of its own. */
  webhookSecret?: string | undefined;
}

/** The request that tells `channel` about `n`; pure. Email is not an HTTP channel. */
export function formatNotification(channel: ChannelConfig, n: Notification, options: FormatOptions = {}): OutboundRequest {
  switch (channel.kind) {
    case 'slack':
      return formatSlack(n, channel.url);
    case 'discord':
      return formatDiscord(n, channel.url);
    case 'teams':
      return formatTeams(n, channel.url);
    case 'mattermost':
      return formatMattermost(n, channel.url);
    case 'ntfy':
      return formatNtfy(n, channel.url, channel.token);
    case 'webhook':
      return formatWebhook(n, channel.url, channel.token || options.webhookSecret);
    case 'gotify':
      return formatGotify(n, channel.url, channel.token);
    case 'email':
      throw new Error('email is not delivered over HTTP');
  }
}

/** ALERT_WEBHOOKS (ids 'global:<kind>:<n>', n counting per kind) and the Gotify of NOTIFY_URL/NOTIFY_TOKEN. */
export function globalChannels(config: Readonly<Config>): ChannelConfig[] {
  const seen = new Map<string, number>();
  const list: ChannelConfig[] = config.alertWebhooks.channels.map(({ kind, url }) => {
    const n = seen.get(kind) ?? 0;
    seen.set(kind, n + 1);
    return { id: `global:${kind}:${n}`, kind, url, project: null };
  });
  if (config.notify.url && config.notify.token) list.push({ id: 'global:gotify:0', kind: 'gotify', url: config.notify.url, token: config.notify.token, project: null });
  return list;
}

/** What POST /api/projects/:name/alerts/test sends. */
export function testNotification(project: string, opts: { publicUrl?: string | undefined; now: Date }): Notification {
  return {
    kind: 'test',
    why: { rule: 'test' },
    project,
    groupId: null,
    exceptionType: 'Test alert',
    message: `If you can read this, alerts of ${project} reach this channel.`,
    culprit: '',
    count: 0,
    users: null,
    release: null,
    environment: null,
    firstSeen: null,
    lastSeen: null,
    link: opts.publicUrl ? `${opts.publicUrl}/?view=projects` : null,
    held: null,
    at: opts.now.toISOString(),
  };
}
