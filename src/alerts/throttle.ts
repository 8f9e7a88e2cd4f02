// The alert throttle: one alert per group (and rule) per cooldown, a sliding-hour budget, and a count of what it held back.
import type { AlertKind, AlertThrottleState, HeldAlerts, HeldSample } from '../store/types.js';

const HOUR_MS = 3_600_000;
/** Examples of held-back alerts kept for the summary; the counts cover the rest. */
export const MAX_HELD_SAMPLES = 10;

/** What the throttle needs to know about an alert. */
export interface ThrottledAlert {
  kind: AlertKind;
  /** The cooldown key: the group's fingerprint, with ':spike' or ':impact' for those rules (each rule its own cooldown). */
  fingerprint: string;
  groupId: number;
  project: string;
  exceptionType: string;
  message: string;
}

export interface ThrottleLimits {
  cooldownMs: number;
  maxPerHour: number;
}

export type Decision = { send: true; held: HeldAlerts | null } | { send: false };

/** Pure apart from its own memory: the clock is passed in, persistence is the caller's (snapshot()). */
export class AlertThrottle {
  private cooldowns: Map<string, number>;
  private sentAt: number[];
  private held: HeldAlerts | null;

  constructor(
    private readonly limits: ThrottleLimits,
    state: AlertThrottleState = { cooldowns: {}, sentAt: [], held: null },
  ) {
    this.cooldowns = new Map(Object.entries(state.cooldowns).map(([fp, at]) => [fp, Date.parse(at)]));
    this.sentAt = state.sentAt.map((at) => Date.parse(at)).sort((a, b) => a - b);
    this.held = state.held ? structuredClone(state.held) : null;
  }

  /** Decides on one alert; a sent one carries what was held back before it. */
  offer(alert: ThrottledAlert, now: Date): Decision {
    const t = now.getTime();
    this.prune(t);
    const last = this.cooldowns.get(alert.fingerprint);
    if (last !== undefined) {
      this.hold(alert, t, last + this.limits.cooldownMs);
      return { send: false };
    }
    if (this.sentAt.length >= this.limits.maxPerHour) {
      this.hold(alert, t, t);
      return { send: false };
    }
    this.recordSend(t);
    if (this.limits.cooldownMs > 0) this.cooldowns.set(alert.fingerprint, t);
    return { send: true, held: this.takeHeld() };
  }

  /** The held-back alerts as one digest, when one of them is due and the hour has room; counts as a send. */
  takeDigest(now: Date): HeldAlerts | null {
    const t = now.getTime();
    this.prune(t);
    const at = this.nextDigestAt(now);
    if (at === null || at.getTime() > t) return null;
    this.recordSend(t);
    return this.takeHeld();
  }

  /** When takeDigest will have something to send; null when nothing is held. */
  nextDigestAt(now: Date): Date | null {
    if (!this.held) return null;
    const t = now.getTime();
    const budgetAt = this.sentAt.length >= this.limits.maxPerHour ? this.sentAt[this.sentAt.length - this.limits.maxPerHour]! + HOUR_MS : t;
    return new Date(Math.max(Date.parse(this.held.dueAt), budgetAt));
  }

  /** An alert that passed but was never delivered (queue overflow, shutdown) is reported with the held ones. */
  fold(alert: ThrottledAlert | null, carried: HeldAlerts | null, now: Date): void {
    const t = now.getTime();
    if (carried) this.mergeHeld(carried);
    if (alert) this.hold(alert, t, t);
  }

  hasHeld(): boolean {
    return this.held !== null;
  }

  snapshot(): AlertThrottleState {
    return {
      cooldowns: Object.fromEntries([...this.cooldowns].map(([fp, t]) => [fp, iso(t)])),
      sentAt: this.sentAt.map(iso),
      held: this.held ? structuredClone(this.held) : null,
    };
  }

  private prune(t: number): void {
    while (this.sentAt.length > 0 && this.sentAt[0]! <= t - HOUR_MS) this.sentAt.shift();
    for (const [fp, at] of this.cooldowns) if (at <= t - this.limits.cooldownMs) this.cooldowns.delete(fp);
  }

  private recordSend(t: number): void {
    this.sentAt.push(t);
  }

  private hold(alert: ThrottledAlert, t: number, dueAt: number): void {
    const sample: HeldSample = {
      kind: alert.kind,
      groupId: alert.groupId,
      project: alert.project,
      exceptionType: alert.exceptionType,
      message: alert.message.slice(0, 500),
      at: iso(t),
    };
    this.mergeHeld({
      newCount: alert.kind === 'new' ? 1 : 0,
      regressionCount: alert.kind === 'regression' ? 1 : 0,
      ...(alert.kind === 'spike' ? { spikeCount: 1 } : {}),
      ...(alert.kind === 'impact' ? { impactCount: 1 } : {}),
      since: iso(t),
      dueAt: iso(dueAt),
      samples: [sample],
    });
  }

  private mergeHeld(more: HeldAlerts): void {
    const h = this.held;
    if (!h) {
      this.held = structuredClone(more);
      return;
    }
    h.newCount += more.newCount;
    h.regressionCount += more.regressionCount;
    if (more.spikeCount) h.spikeCount = (h.spikeCount ?? 0) + more.spikeCount;
    if (more.impactCount) h.impactCount = (h.impactCount ?? 0) + more.impactCount;
    if (more.since < h.since) h.since = more.since;
    if (more.dueAt < h.dueAt) h.dueAt = more.dueAt;
    // The most recent examples are the useful ones.
    h.samples = [...h.samples, ...more.samples].sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0)).slice(-MAX_HELD_SAMPLES);
  }

  private takeHeld(): HeldAlerts | null {
    const h = this.held;
    this.held = null;
    return h;
  }
}

function iso(t: number): string {
  return new Date(t).toISOString();
}
