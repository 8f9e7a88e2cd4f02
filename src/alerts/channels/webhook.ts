// The generic JSON webhook: a documented, versioned payload (README, "Generic webhook"), signed with HMAC-SHA256 over the raw body.
import { createHmac } from 'node:crypto';
import { alertFacts, describeRule } from './facts.js';
import type { AlertRule, Notification, OutboundRequest } from './types.js';

/** Bumped on any change a receiver could notice; additions of fields too. */
export const WEBHOOK_PAYLOAD_VERSION = 1;
/** `sha256=<hex of HMAC-SHA256(secret, raw body)>` */
export const SIGNATURE_HEADER = 'x-error-tracker-signature';
export const EVENT_HEADER = 'x-error-tracker-event';
export const VERSION_HEADER = 'x-error-tracker-payload-version';

export function webhookSignature(secret: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(body, 'utf8').digest('hex')}`;
}

/** Version 1 of the payload; every text field is one line, neutralised as in the other channels. */
export function webhookPayload(n: Notification) {
  const f = alertFacts(n);
  return {
    version: WEBHOOK_PAYLOAD_VERSION,
    event: n.kind,
    at: n.at,
    project: n.project === null ? null : f.project,
    title: f.title,
    rule: ruleToPayload(n.why),
    group:
      n.groupId === null
        ? null
        : {
            id: n.groupId,
            type: f.type,
            message: f.message,
            culprit: f.facts.find((x) => x.label === 'Where')?.value ?? '',
            count: n.count,
            users: n.users,
            release: n.release === null ? null : (f.facts.find((x) => x.label === 'Release')?.value ?? null),
            environment: n.environment === null ? null : (f.facts.find((x) => x.label === 'Environment')?.value ?? null),
            first_seen: n.firstSeen,
            last_seen: n.lastSeen,
          },
    link: n.link,
    held: n.held ? { new_count: n.held.newCount, regression_count: n.held.regressionCount, since: n.held.since } : null,
  };
}

/** The rule and its numbers, in the payload's snake_case. */
function ruleToPayload(why: AlertRule) {
  const description = describeRule(why);
  switch (why.rule) {
    case 'spike':
      return { rule: why.rule, events: why.events, minutes: why.minutes, usual_per_hour: why.usualPerHour ?? null, description };
    case 'impact':
      return { rule: why.rule, users: why.users, minutes: why.minutes, description };
    default:
      return { rule: why.rule, description };
  }
}

/** Without a secret (none configured) the request goes unsigned; the API and config refuse such a channel. */
export function formatWebhook(n: Notification, url: string, secret: string | undefined): OutboundRequest {
  const body = JSON.stringify(webhookPayload(n));
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'user-agent': 'error-tracker-webhook',
    [EVENT_HEADER]: n.kind,
    [VERSION_HEADER]: String(WEBHOOK_PAYLOAD_VERSION),
  };
  if (secret) headers[SIGNATURE_HEADER] = webhookSignature(secret, body);
  return { url, method: 'POST', headers, body };
}
