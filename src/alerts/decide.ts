// The throttle's decisions on a batch of pending alerts, as a pure function of the state the outbox read: run by the store under its cluster-wide lock.
import type { DecideFn, OutboxDecision } from '../store/types.js';
import { DIGEST_PAYLOAD, parsePayload, throttled } from './payload.js';
import { AlertThrottle, type ThrottleLimits } from './throttle.js';

export interface DecideSettings extends ThrottleLimits {
  /** ALERT_QUEUE_SIZE: alerts decided to go out and not yet delivered, at most. */
  queueSize: number;
}

/** What one run of the decide function saw, for the service's logs and scheduling. */
export interface DecideNotes {
  /** The queue was full: newer alerts were held for the next summary, and no summary went. */
  queueFull: boolean;
  heldBack: Array<{ groupId: number; kind: string }>;
}

/**
 * Builds the function the store runs on the committed state: each pending row is offered to the
 * throttle (or held while the channels are ALERT_QUEUE_SIZE behind), then a due summary of what was
 * held is taken once. `notes` receives what the last run saw.
 */
export function decideWith(settings: DecideSettings, now: Date, notes: DecideNotes): DecideFn {
  return ({ rows, throttle: state, undelivered }) => {
    const throttle = new AlertThrottle(settings, state);
    const decisions: OutboxDecision[] = [];
    notes.heldBack = [];
    let queueFull = undelivered >= settings.queueSize;
    for (const row of rows) {
      const p = parsePayload(row);
      if (!p) {
        decisions.push({ id: row.id, state: 'sending', held: row.held });
        continue;
      }
      if (undelivered >= settings.queueSize) {
        // The channels are behind (down, or slow): a newer alert waits as a line of the next summary.
        throttle.fold(throttled(row, p), null, now);
        decisions.push({ id: row.id, state: 'held', held: null });
        queueFull = true;
        continue;
      }
      const d = throttle.offer(throttled(row, p), now);
      decisions.push(d.send ? { id: row.id, state: 'sending', held: d.held } : { id: row.id, state: 'held', held: null });
      if (d.send) undelivered++;
      else notes.heldBack.push({ groupId: p.groupId, kind: p.kind });
    }
    notes.queueFull = queueFull && undelivered >= settings.queueSize;
    const held = notes.queueFull ? null : throttle.takeDigest(now);
    const at = now.toISOString();
    const digests = held ? [{ rule: 'digest' as const, groupId: null, project: singleProject(held.samples), cooldownKey: null, payload: DIGEST_PAYLOAD, createdAt: at, held }] : [];
    return { decisions, digests, throttle: throttle.snapshot() };
  };
}

function singleProject(samples: Array<{ project: string }>): string | null {
  const projects = new Set(samples.map((s) => s.project));
  return projects.size === 1 ? [...projects][0]! : null;
}
