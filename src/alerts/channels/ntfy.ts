// ntfy: a POST of plain text to the topic URL, with the title, priority, tags and click URL in headers and an optional access token.
// Publishing: https://docs.ntfy.sh/publish/ (#message-title, #message-priority, #tags-emojis, #click-action, #access-tokens)
import { alertFacts } from './facts.js';
import type { Notification, OutboundRequest } from './types.js';

/**
 * Header values are bytes: a title with anything beyond ASCII (an accented project name, an emoji
 * in an exception) goes RFC 2047-encoded, which ntfy decodes (its docs, #message-title).
 */
export function headerValue(s: string): string {
  return /^[\x20-\x7e]*$/.test(s) ? s : `=?UTF-8?B?${Buffer.from(s, 'utf8').toString('base64')}?=`;
}

/** ntfy's priorities: 5 urgent (long vibration bursts), 4 high, 3 default, 2 low. */
const PRIORITY: Record<Notification['kind'], string> = { spike: '5', impact: '5', regression: '4', new: '4', digest: '3', test: '2' };
/** Tags that are emoji short codes show as emoji before the title. */
const TAGS: Record<Notification['kind'], string> = {
  new: 'rotating_light,new',
  regression: 'repeat,regression',
  spike: 'chart_with_upwards_trend,spike',
  impact: 'busts_in_silhouette,impact',
  digest: 'inbox_tray,digest',
  test: 'white_check_mark,test',
};

export function ntfyMessage(n: Notification): { title: string; body: string; priority: string; tags: string; click: string | null } {
  const f = alertFacts(n);
  // Plain text (no X-Markdown): nothing in it is markup.
  const lines = [f.message || '(no message)', ...f.facts.map((x) => `${x.label}: ${x.value}`), f.rule];
  if (f.held) lines.push(f.held);
  return { title: f.title, body: lines.join('\n'), priority: PRIORITY[n.kind], tags: TAGS[n.kind], click: f.link };
}

export function formatNtfy(n: Notification, url: string, token?: string): OutboundRequest {
  const m = ntfyMessage(n);
  const headers: Record<string, string> = {
    'content-type': 'text/plain; charset=utf-8',
    title: headerValue(m.title),
    priority: m.priority,
    tags: m.tags,
  };
  if (m.click) headers.click = m.click;
  if (token) headers.authorization = `Bearer ${token}`;
  return { url, method: 'POST', headers, body: m.body };
}
