// The outbox's sender: one lane per channel delivers decided alerts in order, retrying with backoff (and Retry-After) until sent or given up.
import type { Logger } from '../logger.js';
import type { OutboxRow, OutboxStore, PendingDelivery, Store } from '../store/types.js';
import type { DeliverFn } from './builtin-channels.js';
import type { ChannelConfig, DeliveryResult, Notification } from './channels/types.js';
import { notificationOf } from './payload.js';

/** The longest pause between two attempts of one delivery (the backoff doubles up to it). */
const MAX_BACKOFF_MS = 10 * 60_000;
/** Deliveries read per query of a lane. */
const LANE_BATCH = 20;

export interface SenderDeps {
  outbox: OutboxStore;
  store: Pick<Store, 'getError'>;
  deliver: DeliverFn;
  /** The channel of an id, as configured now; null when it was removed (its deliveries are given up). */
  channelById: (id: string) => ChannelConfig | null;
  publicUrl: string | undefined;
  logger: Logger;
  now: () => Date;
  /** The first retry's delay; each next one doubles. */
  retryBaseMs: number;
  /**
   * The longest one attempt may take (the channels' own timeouts bound it), where several instances
   * send: an attempt's claim lasts at least this long, so another instance's sender leaves it while it
   * runs. 0 (one process): the claim lasts the backoff.
   */
  attemptLimitMs?: number;
  /** A lane ran out of due work: the caller schedules the next run. */
  onLaneDone: () => void;
}

export interface Sender {
  /** Starts a lane for each channel with a due delivery; returns when the lanes are started. */
  run(): Promise<void>;
  /** The earliest time a pending delivery becomes due (a lane paused by a 429 counts too), or null. */
  nextDueAt(): Promise<Date | null>;
  /** Stops starting attempts and waits for those in flight, up to `timeoutMs`. */
  close(timeoutMs: number): Promise<void>;
}

export function createSender({ outbox, store, deliver, channelById, publicUrl, logger, now, retryBaseMs, attemptLimitMs = 0, onLaneDone }: SenderDeps): Sender {
  const lanes = new Map<string, Promise<void>>();
  /** Channel -> not before this time (a 429's Retry-After holds the whole channel, not one alert). */
  const pausedUntil = new Map<string, number>();
  let closed = false;

  function backoff(attempts: number): number {
    return Math.min(retryBaseMs * 2 ** Math.max(0, attempts - 1), MAX_BACKOFF_MS);
  }

  async function notification(row: OutboxRow, at: Date): Promise<Notification> {
    let group = null;
    if (row.groupId !== null) {
      try {
        group = (await store.getError(row.groupId))?.error ?? null;
      } catch {
        // the alert still goes out with what its row says
      }
    }
    return notificationOf(row, group, publicUrl, at.toISOString());
  }

  async function attempt(d: PendingDelivery, channel: ChannelConfig | null): Promise<void> {
    const t = now();
    const at = t.toISOString();
    const where = { outboxId: d.outboxId, channel: d.channelId, attempt: d.attempts + 1 };
    if (!channel) {
      await outbox.finishAttempt(d.outboxId, d.channelId, { ok: false, status: null, retryable: false, error: 'channel no longer configured' }, null, at);
      logger.warn(where, 'alert not delivered: its channel is no longer configured');
      return;
    }
    const row = await outbox.getAlert(d.outboxId);
    if (!row) return;
    // Claimed and counted before it starts: another instance's sender that read the same delivery
    // leaves it. The claim outlasts the attempt (a slow SMTP server under load took longer than the
    // first backoff, and a second instance sent the alert again); a crash in the middle waits for it.
    const claimUntil = new Date(t.getTime() + Math.max(backoff(d.attempts + 1), attemptLimitMs)).toISOString();
    if (!(await outbox.startAttempt(d.outboxId, d.channelId, claimUntil, d.attempts))) return;
    let result: DeliveryResult;
    try {
      result = await deliver(channel, await notification(row, t));
    } catch (err) {
      result = { ok: false, status: null, retryable: true, error: (err as Error).name };
    }
    const done = now();
    if (result.ok) {
      await outbox.finishAttempt(d.outboxId, d.channelId, result, null, done.toISOString());
      logger.debug({ ...where, status: result.status }, 'alert delivered');
      return;
    }
    const wait = Math.max(backoff(d.attempts + 1), result.retryAfterMs ?? 0);
    const next = done.getTime() + wait;
    if (result.retryAfterMs !== undefined) pausedUntil.set(d.channelId, done.getTime() + result.retryAfterMs);
    if (result.retryable && next <= Date.parse(d.giveUpAt)) {
      await outbox.finishAttempt(d.outboxId, d.channelId, result, new Date(next).toISOString(), done.toISOString());
      logger.warn({ ...where, status: result.status, error: result.error, retryInMs: wait }, `alert delivery to ${d.channelId} failed; retrying in ${Math.round(wait / 1000)} s`);
      return;
    }
    await outbox.finishAttempt(d.outboxId, d.channelId, result, null, done.toISOString());
    logger.error(
      { ...where, status: result.status, error: result.error, giveUpAt: d.giveUpAt },
      result.retryable
        ? `alert delivery to ${d.channelId} given up after ${d.attempts + 1} attempts: the retry window (ALERT_RETRY_MINUTES) is over`
        : `alert delivery to ${d.channelId} failed for good: ${result.error ?? `status ${result.status}`}`,
    );
  }

  async function lane(channelId: string): Promise<void> {
    for (;;) {
      if (closed) return;
      const t = now().getTime();
      if ((pausedUntil.get(channelId) ?? 0) > t) return;
      const due = await outbox.dueDeliveries(channelId, new Date(t).toISOString(), LANE_BATCH);
      if (due.length === 0) return;
      for (const d of due) {
        if (closed || (pausedUntil.get(channelId) ?? 0) > now().getTime()) return;
        await attempt(d, channelById(channelId));
      }
    }
  }

  return {
    async run() {
      if (closed) return;
      for (const { channelId, nextAt } of await outbox.pendingChannels()) {
        if (lanes.has(channelId) || Date.parse(nextAt) > now().getTime()) continue;
        const running = lane(channelId)
          .catch((err: unknown) => logger.error({ err, channel: channelId }, 'alert delivery lane failed'))
          .finally(() => {
            lanes.delete(channelId);
            onLaneDone();
          });
        lanes.set(channelId, running);
      }
    },

    async nextDueAt() {
      let min: number | null = null;
      for (const { channelId, nextAt } of await outbox.pendingChannels()) {
        if (lanes.has(channelId)) continue;
        const t = Math.max(Date.parse(nextAt), pausedUntil.get(channelId) ?? 0);
        if (min === null || t < min) min = t;
      }
      return min === null ? null : new Date(min);
    },

    async close(timeoutMs) {
      closed = true;
      if (lanes.size === 0) return;
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([Promise.all(lanes.values()), new Promise<void>((r) => (timer = setTimeout(r, timeoutMs)))]);
      clearTimeout(timer);
    },
  };
}
