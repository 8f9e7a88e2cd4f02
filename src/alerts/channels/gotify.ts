// Gotify's message API, as a channel of the same outbox: the token in the X-Gotify-Key header rather than the URL.
// API: https://gotify.net/api-docs#/message/createMessage ; click URL extra: https://gotify.net/docs/msgextras#clientnotification
import { alertFacts } from './facts.js';
import { ntfyMessage } from './ntfy.js';
import type { Notification, OutboundRequest } from './types.js';

const PRIORITY: Record<Notification['kind'], number> = { spike: 9, impact: 9, regression: 9, new: 8, digest: 8, test: 5 };

export function formatGotify(n: Notification, baseUrl: string, token: string | undefined): OutboundRequest {
  const f = alertFacts(n);
  const body = {
    title: f.title,
    // The same plain lines as ntfy's.
    message: ntfyMessage(n).body,
    priority: PRIORITY[n.kind],
    ...(f.link ? { extras: { 'client::notification': { click: { url: f.link } } } } : {}),
  };
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (token) headers['x-gotify-key'] = token;
  return { url: `${baseUrl.replace(/\/+$/, '')}/message`, method: 'POST', headers, body: JSON.stringify(body) };
}
