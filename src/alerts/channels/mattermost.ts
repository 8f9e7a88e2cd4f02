// Mattermost incoming webhook: the Slack-compatible `text` and `attachments` (Mattermost does not render Block Kit).
// Payload: https://developers.mattermost.com/integrate/webhooks/incoming/ ; attachments: https://developers.mattermost.com/integrate/reference/message-attachments/
import { alertFacts } from './facts.js';
import type { Notification, OutboundRequest } from './types.js';

/**
 * Mattermost renders Markdown (a backslash escapes a character) and turns `@channel`, `@all`,
 * `@here` and `@user` into mentions, in attachments too: a zero-width space after `@` keeps a
 * report from paging a whole channel.
 */
export function escapeMattermost(s: string): string {
  return s.replace(/[\\`*_{}[\]()#+\-.!|~<>:]/g, '\\$&').replace(/@/g, '@\u200b');
}

const COLORS = { high: '#d32f2f', normal: '#f57c00', low: '#607d8b' } as const;

export function mattermostPayload(n: Notification) {
  const f = alertFacts(n);
  const e = escapeMattermost;
  const fields = [...f.facts.map((x) => ({ short: true, title: x.label, value: e(x.value) })), { short: false, title: 'Rule', value: e(f.rule) }];
  if (f.held) fields.push({ short: false, title: 'Held back', value: e(f.held) });
  return {
    text: `**${e(f.title)}**`,
    attachments: [
      {
        fallback: `${f.title}: ${f.message}`.replace(/@/g, '@\u200b'),
        color: COLORS[f.urgency],
        title: `${f.type}`.replace(/@/g, '@\u200b'),
        ...(f.link ? { title_link: f.link } : {}),
        text: e(f.message || '(no message)'),
        fields,
      },
    ],
  };
}

export function formatMattermost(n: Notification, url: string): OutboundRequest {
  return { url, method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(mattermostPayload(n)) };
}
