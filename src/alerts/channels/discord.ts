// Discord webhook: one embed (title linking to the group, description, inline fields), mentions switched off.
// Payload: https://discord.com/developers/docs/resources/webhook#execute-webhook ; embed limits: https://discord.com/developers/docs/resources/message#embed-object-embed-limits
import { alertFacts, cut } from './facts.js';
import type { Notification, OutboundRequest } from './types.js';

/**
 * Discord's Markdown, masked links `[text](url)` and `<@id>` mentions: a backslash shows the next
 * character as itself. Headings and lists start a line only.
 */
export function escapeDiscord(s: string): string {
  return s.replace(/[\\`*_~|>[\]()<@]/g, '\\$&').replace(/^(\s*)([-#])/, '$1\\$2');
}

/** Embed limits: title 256, description 4096, field name 256 and value 1024, footer 2048, 25 fields. */
const COLORS = { high: 0xd32f2f, normal: 0xf57c00, low: 0x607d8b } as const;

export function discordPayload(n: Notification) {
  const f = alertFacts(n);
  const e = escapeDiscord;
  const fields = f.facts.map((x) => ({ name: x.label, value: cut(e(x.value), 1024), inline: true }));
  fields.push({ name: 'Rule', value: cut(e(f.rule), 1024), inline: false });
  if (f.held) fields.push({ name: 'Held back', value: cut(e(f.held), 1024), inline: false });
  return {
    // Nothing a report says may ping anyone (Discord's allowed_mentions).
    allowed_mentions: { parse: [] as string[] },
    embeds: [
      {
        // The title is not Markdown in an embed; it links to the group.
        title: cut(f.title, 256),
        ...(f.link ? { url: f.link } : {}),
        description: cut(e(f.message || '(no message)'), 4096),
        color: COLORS[f.urgency],
        fields: fields.slice(0, 25),
        footer: { text: cut(`error-tracker · ${f.project}`, 2048) },
        timestamp: n.at,
      },
    ],
  };
}

export function formatDiscord(n: Notification, url: string): OutboundRequest {
  return { url, method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(discordPayload(n)) };
}
