// Microsoft Teams through a Workflows webhook ("Post to a channel when a webhook request is received"): a message with one Adaptive Card.
// Payload: https://learn.microsoft.com/en-us/microsoftteams/platform/webhooks-and-connectors/how-to/connectors-using#send-adaptive-cards-using-an-incoming-webhook ;
// card: https://adaptivecards.io/explorer/AdaptiveCard.html, TextBlock Markdown: https://learn.microsoft.com/en-us/adaptive-cards/authoring-cards/text-features
import { alertFacts } from './facts.js';
import type { Notification, OutboundRequest } from './types.js';

/**
 * TextBlock and FactSet values read a Markdown subset (emphasis, links, lists): a backslash keeps
 * the characters that could make one as themselves; the rest is left alone, so text stays readable.
 */
export function escapeTeams(s: string): string {
  return s
    .replace(/[\\`*_~[\]()]/g, '\\$&')
    .replace(/^(\s*)([-+#>])/, '$1\\$2')
    .replace(/^(\s*\d+)\./, '$1\\.');
}

const COLORS = { high: 'Attention', normal: 'Warning', low: 'Default' } as const;

export function teamsCard(n: Notification) {
  const f = alertFacts(n);
  const e = escapeTeams;
  const body: unknown[] = [
    { type: 'TextBlock', text: e(f.title), size: 'Medium', weight: 'Bolder', color: COLORS[f.urgency], wrap: true, style: 'heading' },
    { type: 'TextBlock', text: e(f.message || '(no message)'), wrap: true },
  ];
  if (f.facts.length > 0) body.push({ type: 'FactSet', facts: f.facts.map((x) => ({ title: x.label, value: e(x.value) })) });
  body.push({ type: 'TextBlock', text: e(f.rule), wrap: true, isSubtle: true, spacing: 'Small' });
  if (f.held) body.push({ type: 'TextBlock', text: e(f.held), wrap: true, isSubtle: true, spacing: 'None' });
  return {
    $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
    type: 'AdaptiveCard',
    version: '1.4',
    body,
    ...(f.link ? { actions: [{ type: 'Action.OpenUrl', title: 'Open in error-tracker', url: f.link }] } : {}),
    // Teams' own extension: the card uses the channel's full width.
    msteams: { width: 'Full' },
  };
}

export function teamsPayload(n: Notification) {
  return { type: 'message', attachments: [{ contentType: 'application/vnd.microsoft.card.adaptive', contentUrl: null, content: teamsCard(n) }] };
}

export function formatTeams(n: Notification, url: string): OutboundRequest {
  return { url, method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(teamsPayload(n)) };
}
