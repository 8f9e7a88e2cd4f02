// Slack incoming webhook: Block Kit blocks, with `text` as the notification fallback.
// Payload: https://api.slack.com/messaging/webhooks and https://api.slack.com/reference/block-kit/blocks ; escaping: https://api.slack.com/reference/surfaces/formatting#escaping
import { alertFacts, cut } from './facts.js';
import type { Notification, OutboundRequest } from './types.js';

/**
 * Slack reads `&`, `<` and `>` as control characters (links, mentions such as `<!channel>`): as
 * its formatting guide says, only these three are replaced by their HTML entities.
 */
export function escapeSlack(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Block Kit limits: a header's text at most 150 characters, a section's 3000, a field's 2000, at most 10 fields. */
const HEADER_MAX = 150;
const SECTION_MAX = 3000;
const FIELD_MAX = 2000;

export function slackPayload(n: Notification) {
  const f = alertFacts(n);
  const mrkdwn = (text: string) => ({ type: 'mrkdwn', text });
  const blocks: unknown[] = [
    // plain_text: nothing in it is read as markup.
    { type: 'header', text: { type: 'plain_text', text: cut(f.title, HEADER_MAX), emoji: false } },
    { type: 'section', text: { type: 'plain_text', text: cut(f.message || '(no message)', SECTION_MAX), emoji: false } },
  ];
  if (f.facts.length > 0) {
    blocks.push({ type: 'section', fields: f.facts.slice(0, 10).map((x) => mrkdwn(cut(`*${x.label}*\n${escapeSlack(x.value)}`, FIELD_MAX))) });
  }
  const context = [`*Rule* ${escapeSlack(f.rule)}`, `*Project* ${escapeSlack(f.project)}`];
  if (f.held) context.push(escapeSlack(f.held));
  blocks.push({ type: 'context', elements: context.map(mrkdwn) });
  if (f.link) blocks.push({ type: 'section', text: mrkdwn(`<${f.link}|Open in error-tracker>`) });
  return {
    // Shown in notifications and by clients that cannot render blocks.
    text: escapeSlack(`${f.title}: ${f.message}`).slice(0, SECTION_MAX),
    blocks,
  };
}

export function formatSlack(n: Notification, url: string): OutboundRequest {
  return { url, method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(slackPayload(n)) };
}
