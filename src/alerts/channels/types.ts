// The contract between the alert outbox (what to send, when, retried) and the channels (how each kind says it).
import type { AlertKind, HeldAlerts } from '../../store/types.js';

/** The chat and webhook kinds; email and Gotify ('gotify') are configured as before and join the same outbox. */
export type ChannelKind = 'slack' | 'discord' | 'teams' | 'ntfy' | 'mattermost' | 'webhook' | 'email' | 'gotify';

/** One configured destination: global (ALERT_WEBHOOKS, SMTP, GOTIFY) or a project's own (stored in the database). */
export interface ChannelConfig {
  /** Stable id: 'global:slack:0' for the environment's, 'project:<name>:<n>' for a project's. */
  id: string;
  kind: ChannelKind;
  /** Secret: never logged nor shown back in full (see redactUrl). Empty for email. */
  url: string;
  /** ntfy access token, or the generic webhook's own HMAC secret; secret like the URL. */
  token?: string;
  /** Null for the global channels. */
  project: string | null;
}

/** Why an alert fires: the rule, and the numbers that made it fire. */
export type AlertRule =
  | { rule: 'new' }
  | { rule: 'regression' }
  | { rule: 'spike'; events: number; minutes: number; usualPerHour?: number }
  | { rule: 'impact'; users: number; minutes: 60 }
  | { rule: 'digest' }
  | { rule: 'test' };

/** Everything a channel needs to say about one alert (all text untrusted: formatters neutralise it). */
export interface Notification {
  /** Versioned with the generic webhook's payload. */
  kind: AlertKind | 'spike' | 'impact' | 'digest' | 'test';
  why: AlertRule;
  project: string | null;
  groupId: number | null;
  exceptionType: string;
  message: string;
  /** The crash frame, 'file:line in function'. */
  culprit: string;
  count: number;
  users: number | null;
  release: string | null;
  environment: string | null;
  firstSeen: string | null;
  lastSeen: string | null;
  /** The error page (PUBLIC_URL), or null when PUBLIC_URL is unset. */
  link: string | null;
  /** Held back by the throttle since the last alert, counted in this one. */
  held: HeldAlerts | null;
  /** ISO 8601 UTC, when the alert was decided. */
  at: string;
  /** The same for every attempt of one alert ('outbox:<n>'): a receiver may deduplicate on it. Absent for test messages. */
  id?: string;
  /** For the long formats (email): the traceback, the request ('POST https://...') and the source; absent for digests and tests. */
  details?: { traceback: string; request: string | null; source: string };
}

/** The outcome of one attempt; the outbox retries `retryable` ones, after `retryAfterMs` when the receiver said so (429, Retry-After). */
export interface DeliveryResult {
  ok: boolean;
  status: number | null;
  retryable: boolean;
  retryAfterMs?: number;
  /** One line, with no secret in it. */
  error?: string;
}
