// The alerts service: decides the outbox's pending alerts (throttle, digests) and drives the sender; alerts themselves are raised in the ingest transaction (rules.ts).
import type { Config } from '../config.js';
import type { Logger } from '../logger.js';
import type { AlertStateStore, IngestListener, OutboxStore, Store } from '../store/types.js';
import { builtinChannels, createBuiltinDeliver, smtpSettings, type DeliverFn } from './builtin-channels.js';
import type { ChannelConfig } from './channels/types.js';
import { decideWith, type DecideNotes } from './decide.js';
import type { RuleTrigger } from './rules.js';
import { createSender } from './sender.js';
import { AlertThrottle } from './throttle.js';

export { smtpSettings };

export interface AlertsService {
  /** Nothing to do: alerts are raised in the write's own transaction (the outbox); kept so the wiring stays. */
  onIngested: IngestListener;
  /** Sends one message to ALERT_EMAILS, outside the throttle and the outbox, in the background. */
  sendTestAlert(): void;
  /** Stops deciding and delivering, waits up to timeoutMs for deliveries in flight; the rest stays in the outbox for the next start. */
  close(timeoutMs: number): Promise<void>;
}

export interface AlertsDeps {
  config: Readonly<Config>;
  store: Store;
  stateStore: AlertStateStore;
  outbox: OutboxStore;
  /** The store's trigger: woken by it after a commit that raised alerts; told what fired lately at start. */
  trigger?: RuleTrigger;
  logger: Logger;
  now?: () => Date;
  /** How often a waiting digest or retry re-checks the clock at most (tests shorten it). */
  checkIntervalMs?: number;
  /** Reaches any channel; defaults to email and Gotify. */
  deliver?: DeliverFn;
  /** The channels an alert of a project goes to; defaults to the environment's. */
  channelsFor?: (project: string | null) => ChannelConfig[];
  /** A channel by its id, beside the environment's (per-project channels); null when it no longer exists. */
  channelById?: (id: string) => ChannelConfig | null;
  /** The first retry's delay (doubling after); tests shorten it. */
  retryBaseMs?: number;
}

/** Pending alerts decided per transaction. */
const DECIDE_BATCH = 200;

/** Why POST /api/test-alert cannot send, or null when it can. */
export function testAlertProblem(config: Readonly<Config>): string | null {
  if (!config.smtp.host) return 'SMTP_HOST is not set';
  if (config.alertEmails.length === 0) return 'ALERT_EMAILS is not set';
  return null;
}

export async function createAlertsService(deps: AlertsDeps): Promise<AlertsService> {
  const { config, store, stateStore, outbox, trigger, logger, now = () => new Date(), checkIntervalMs = 30_000, retryBaseMs = 2000 } = deps;
  const log = logger.child({ component: 'alerts' });
  const globals = builtinChannels(config);
  const deliver = deps.deliver ?? createBuiltinDeliver(config, log);
  const channelsFor = deps.channelsFor ?? (() => globals);
  const channelById = (id: string) => globals.find((c) => c.id === id) ?? deps.channelById?.(id) ?? null;

  if (config.smtp.host && !config.smtp.tlsRejectUnauthorized) {
    log.warn({ host: config.smtp.host, port: config.smtp.port }, 'SMTP_TLS_REJECT_UNAUTHORIZED=false: the SMTP server certificate is not verified, so the connection can be intercepted');
  }
  if (config.smtp.host && config.alertEmails.length === 0) log.warn({ host: config.smtp.host }, 'SMTP_HOST is set but ALERT_EMAILS is empty: no email alerts will be sent');
  log.info(
    { channels: globals.map((c) => c.kind), cooldownSeconds: config.alerts.cooldownSeconds, maxPerHour: config.alerts.maxPerHour },
    globals.length ? 'alerts enabled' : 'alerts disabled: no SMTP_HOST/ALERT_EMAILS or NOTIFY_URL/NOTIFY_TOKEN',
  );

  const limits = { cooldownMs: config.alerts.cooldownSeconds * 1000, maxPerHour: config.alerts.maxPerHour };
  /**
   * A mirror of the throttle as last saved, for scheduling only (when a summary is due): the decisions
   * themselves run in the store on the state as committed, under its lock, so that every instance
   * sharing the database decides on the same state, one at a time.
   */
  let mirror = new AlertThrottle(limits, await stateStore.loadAlertState());
  // Several instances (PostgreSQL): an attempt's claim outlasts the attempt, so another instance's
  // sender does not take it up meanwhile; an SMTP exchange has three timed phases, a webhook one
  // timeout in all. One process alone (SQLite) needs no more than the backoff, and an attempt a crash
  // cut short is retried soon after the restart.
  const attemptLimitMs = config.databaseUrl === undefined ? 0 : Math.max(3 * config.smtp.timeoutSeconds * 1000, config.alertWebhooks.timeoutMs);
  const sender = createSender({ outbox, store, deliver, channelById, publicUrl: config.publicUrl, logger: log, now, retryBaseMs, attemptLimitMs, onLaneDone: () => void schedule() });

  let closed = false;
  let running = false;
  let again = false;
  let timer: NodeJS.Timeout | null = null;
  /** The last decisions found ALERT_QUEUE_SIZE alerts undelivered: no digest until they go. */
  let queueFull = false;

  /** Decides what the ingest transactions wrote, a batch per transaction; skipped while nothing is pending and no summary is due. */
  async function decidePending(): Promise<void> {
    for (;;) {
      const t = now();
      const digestAt = mirror.nextDigestAt(t);
      if ((digestAt === null || digestAt > t) && (await outbox.pendingAlerts(1)).length === 0) return;
      const notes: DecideNotes = { queueFull: false, heldBack: [] };
      const { rows, throttle } = await outbox.decide({
        limit: DECIDE_BATCH,
        decide: decideWith({ ...limits, queueSize: config.alerts.queueSize }, t, notes),
        channelsFor: (r) => channelsFor(r.project).map((c) => c.id),
        at: t.toISOString(),
        giveUpAt: new Date(t.getTime() + config.alerts.retryMinutes * 60_000).toISOString(),
      });
      mirror = new AlertThrottle(limits, throttle);
      if (notes.queueFull && !queueFull) log.warn({ queueSize: config.alerts.queueSize }, 'alert queue full: holding newer alerts for the next summary');
      queueFull = notes.queueFull;
      for (const h of notes.heldBack) log.debug(h, 'alert held back by the throttle');
      if (rows < DECIDE_BATCH) return;
    }
  }

  async function pump(): Promise<void> {
    if (closed) return;
    if (running) {
      again = true;
      return;
    }
    running = true;
    try {
      do {
        again = false;
        await decidePending();
        await sender.run();
      } while (again && !closed);
    } catch (err) {
      log.error({ err }, 'alert outbox processing failed; retrying later');
    } finally {
      running = false;
      void schedule();
    }
  }

  /** The next look at the outbox: when a digest or a retry is due, at most checkIntervalMs away. */
  async function schedule(): Promise<void> {
    if (closed) return;
    let at: Date | null = mirror.nextDigestAt(now());
    // A full queue empties as deliveries finish (each lane's end schedules anew); until then, look now and then.
    if (at && queueFull) at = new Date(Math.max(at.getTime(), now().getTime() + checkIntervalMs));
    try {
      const due = await sender.nextDueAt();
      if (due && (!at || due < at)) at = due;
    } catch (err) {
      log.warn({ err }, 'could not read the alert outbox');
    }
    if (closed) return;
    if (timer) clearTimeout(timer);
    timer = null;
    if (!at) return;
    const delay = Math.min(Math.max(at.getTime() - now().getTime(), 0), checkIntervalMs);
    timer = setTimeout(() => {
      timer = null;
      void pump();
    }, delay);
    timer.unref();
  }

  if (trigger) {
    // What fired lately, so that a restart does not fire a spike or impact rule again within its cooldown.
    const since = new Date(now().getTime() - Math.max(limits.cooldownMs, 3_600_000)).toISOString();
    trigger.remember(await outbox.recentRuleAlerts(since));
    trigger.onRaised(() => void pump());
  }
  // What the last run left: pending alerts, deliveries to retry, a digest due.
  void pump();

  return {
    onIngested() {},

    sendTestAlert() {
      const email = globals.find((c) => c.kind === 'email');
      if (!email) return;
      const at = now().toISOString();
      void deliver(email, {
        kind: 'test',
        why: { rule: 'test' },
        project: null,
        groupId: null,
        exceptionType: '',
        message: 'Test alert',
        culprit: '',
        count: 0,
        users: null,
        release: null,
        environment: null,
        firstSeen: null,
        lastSeen: null,
        link: config.publicUrl ?? null,
        held: null,
        at,
      }).catch((err: unknown) => log.error({ err }, 'test alert failed unexpectedly'));
    },

    async close(timeoutMs) {
      if (closed) return;
      closed = true;
      if (timer) clearTimeout(timer);
      timer = null;
      await sender.close(timeoutMs);
    },
  };
}
