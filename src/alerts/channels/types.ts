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

/** A formatted request for one channel: what `deliver` sends (the URL and headers may hold secrets). */
export interface OutboundRequest {
  url: string;
  method: 'POST';
  headers: Record<string, string>;
  body: string;
}

/** A channel's last delivery as the API and the Projects page show it (recorded by the outbox). */
export type LastDelivery = DeliveryResult & { at: string };

/** Which rules fire for a project; each optional, under the same throttle as other alerts. */
export interface AlertRuleSettings {
  /** A new group (default on). */
  newGroup: boolean;
  /** A resolved group seen again (default on). */
  regression: boolean;
  /** More than `events` events in `minutes` minutes (and more than `timesUsual` times the usual hourly rate, when set); null: off. */
  spike: { events: number; minutes: number; timesUsual: number | null } | null;
  /** `users` distinct users in an hour; null: off. */
  impact: { users: number } | null;
  /** One alert per group and rule per cooldown; null follows ALERT_COOLDOWN_SECONDS. */
  cooldownMinutes: number | null;
}

export const DEFAULT_RULE_SETTINGS: Readonly<AlertRuleSettings> = Object.freeze({ newGroup: true, regression: true, spike: null, impact: null, cooldownMinutes: null });

/** A project's own alert settings: its channels (with their secrets: never shown back nor logged) and its rules. */
export interface ProjectAlertSettings {
  project: string;
  channels: ChannelConfig[];
  rules: AlertRuleSettings;
}

/** A channel as a PUT gives it: with the id of a stored one, an omitted url or token keeps the stored value. */
export interface ChannelInput {
  id?: string;
  kind: ChannelKind;
  url?: string;
  /** null clears the stored token; omitted keeps it. */
  token?: string | null;
}

/** Per-project alert settings in the database (migration 012). */
export interface ProjectAlertStore {
  /** Defaults (no channels, DEFAULT_RULE_SETTINGS) for a project that set nothing. */
  getProjectAlertSettings(project: string): Promise<ProjectAlertSettings>;
  /** Every project that set channels or rules. */
  listProjectAlertSettings(): Promise<ProjectAlertSettings[]>;
  /** Replaces the channel list (keeping omitted secrets of listed ids) and, when given, the rules; in one transaction. */
  putProjectAlertSettings(project: string, update: { channels?: ChannelInput[]; rules?: AlertRuleSettings }): Promise<ProjectAlertSettings>;
}

/** Thrown by putProjectAlertSettings for a channel id the project does not have, or a new channel without its URL (the route answers 400). */
export class ChannelInputError extends Error {
  constructor(
    /** The field, as the API names it: 'channels.2.id'. */
    readonly path: string,
    message: string,
  ) {
    super(message);
    this.name = 'ChannelInputError';
  }
}
