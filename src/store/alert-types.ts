// The alerts' persistent shapes: the throttle's state, the outbox (migration 014) and the trigger that writes it in the ingest transaction.
import type { IngestResult, PreparedReport } from './types.js';

/** What an alert is about: a group's life (new, regression) or a rule on its traffic (spike, impact). */
export type AlertKind = 'new' | 'regression' | 'spike' | 'impact';

/** One alert the throttle held back, kept as an example for the summary. */
export interface HeldSample {
  kind: AlertKind;
  groupId: number;
  project: string;
  exceptionType: string;
  message: string;
  /** ISO 8601 UTC. */
  at: string;
}

/** What the throttle held back since the last alert that went out. */
export interface HeldAlerts {
  newCount: number;
  regressionCount: number;
  /** Spike and impact alerts held back (absent: none). */
  spikeCount?: number;
  impactCount?: number;
  since: string;
  /** The earliest time one of them could have gone out on its own. */
  dueAt: string;
  samples: HeldSample[];
}

/** The alert throttle's memory; small (bounded by what was sent in the last hour or cooldown). */
export interface AlertThrottleState {
  /** Fingerprint -> when it last alerted (ISO 8601 UTC). */
  cooldowns: Record<string, string>;
  /** When alerts went out, oldest first. */
  sentAt: string[];
  held: HeldAlerts | null;
}

/** Persists the alert throttle, next to Store and on the same database. */
export interface AlertStateStore {
  loadAlertState(): Promise<AlertThrottleState>;
  /** Replaces the saved state whole, in one transaction. */
  saveAlertState(state: AlertThrottleState): Promise<void>;
}

/** A rule's alert or the digest of held-back ones, as the outbox stores it. */
export type OutboxRule = AlertKind | 'digest';

/** An alert to be written to the outbox: in the ingest transaction, or by the throttle (digests). */
export interface OutboxDraft {
  rule: OutboxRule;
  groupId: number | null;
  project: string | null;
  /** The throttle's cooldown key; null for digests. */
  cooldownKey: string | null;
  /** JSON of what the alert says; the store keeps it as it is. */
  payload: string;
  createdAt: string;
}

export interface OutboxRow extends OutboxDraft {
  id: number;
  state: 'pending' | 'held' | 'sending' | 'done';
  /** What the throttle held back before this alert, carried by it. */
  held: HeldAlerts | null;
}

/** One alert's delivery to one channel, retried until sent or given up. */
export interface PendingDelivery {
  outboxId: number;
  channelId: string;
  attempts: number;
  nextAt: string;
  giveUpAt: string;
}

/** The outcome of one delivery as the outbox records it (alerts/channels DeliveryResult fits). */
export interface DeliveryOutcome {
  ok: boolean;
  status: number | null;
  retryable: boolean;
  retryAfterMs?: number;
  error?: string;
}

/**
 * Decides, inside the ingest transaction, which of a group's just-written reports raise an alert.
 * Pure memory and cheap: it is on the write path. The store writes what `observe` returns in the
 * same transaction, then calls `committed` or `rolledBack`.
 */
export interface AlertTrigger {
  /** `quiet`: the group stays ignored, or resolved in a release these reports predate; no rule fires for it. */
  observe(group: { results: IngestResult[]; reports: PreparedReport[]; usualPerHour: () => number; quiet?: boolean }): OutboxDraft[];
  committed(): void;
  rolledBack(): void;
  /**
   * A view for one of several transactions open at once (PostgreSQL keeps two batches in flight):
   * its committed/rolledBack settle only what it observed. Absent: one transaction at a time.
   */
  fork?(): AlertTrigger;
  /** Whether observe may ask a group of this project for its usual rate (a store that reads it ahead asks). */
  wantsUsualRate?(project: string): boolean;
}

/** The throttle's decision on one pending alert. */
export interface OutboxDecision {
  id: number;
  state: 'sending' | 'held';
  held: HeldAlerts | null;
}

/** What the throttle makes of pending alerts, given its state and the undelivered count as committed; pure. */
export type DecideFn = (input: { rows: OutboxRow[]; throttle: AlertThrottleState; undelivered: number }) => {
  decisions: OutboxDecision[];
  digests: Array<OutboxDraft & { held: HeldAlerts }>;
  throttle: AlertThrottleState;
};

/** The alert outbox (migration 014), next to Store and on the same database. */
export interface OutboxStore {
  /** Alerts written but not yet decided by the throttle, oldest first. */
  pendingAlerts(limit: number): Promise<OutboxRow[]>;
  /**
   * In one transaction, one at a time across every instance sharing the database: reads the pending
   * alerts (oldest first, at most `limit`), the throttle's state and the undelivered count as
   * committed, runs `decide` on them, and writes its decisions, its digests, a delivery per channel
   * of each alert that goes out, and the state it returns. Answers how many pending rows it read
   * and the state as saved.
   */
  decide(input: {
    limit: number;
    decide: DecideFn;
    channelsFor: (row: { project: string | null }) => string[];
    at: string;
    giveUpAt: string;
  }): Promise<{ rows: number; throttle: AlertThrottleState }>;
  getAlert(id: number): Promise<OutboxRow | null>;
  /** The channel's deliveries due at `now`, oldest alert first. */
  dueDeliveries(channelId: string, now: string, limit: number): Promise<PendingDelivery[]>;
  /** Every channel with a pending delivery, and the earliest next attempt of each. */
  pendingChannels(): Promise<Array<{ channelId: string; nextAt: string }>>;
  /**
   * Claims the delivery and counts the attempt before it starts (a crash in the middle waits `nextAt`
   * before the retry): only while it is pending with `attempts` as read, so of several senders that
   * read the same due delivery exactly one gets true.
   */
  startAttempt(outboxId: number, channelId: string, nextAt: string, attempts: number): Promise<boolean>;
  /** Final (sent or failed, nextAt null) or retried at nextAt; an alert whose deliveries are all final is done. */
  finishAttempt(outboxId: number, channelId: string, outcome: DeliveryOutcome, nextAt: string | null, at: string): Promise<void>;
  /** Alerts decided to go out and not yet delivered to every channel (ALERT_QUEUE_SIZE bounds them). */
  undeliveredCount(): Promise<number>;
  /** Spike and impact alerts written since `since`: the rules' memory of what fired, at start. */
  recentRuleAlerts(since: string): Promise<Array<{ cooldownKey: string; createdAt: string }>>;
  /** The last delivery's result per channel. */
  recordDelivery(channelId: string, result: DeliveryOutcome, at?: string): Promise<void>;
  lastDeliveries(): Promise<Record<string, DeliveryOutcome & { at: string }>>;
}
