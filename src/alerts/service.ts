// The alerts service: decides on each committed report (throttle), queues, and delivers in the background.
import type { Config } from '../config.js';
import type { Logger } from '../logger.js';
import type { AlertStateStore, HeldAlerts, IngestListener, IngestResult, PreparedReport, Store } from '../store/types.js';
import { composeAlert, composeDigest, composeTestAlert, type AlertEvent, type AlertMessage } from './compose.js';
import { createPushChannel } from './push.js';
import { createEmailChannel, type Channel, type SmtpSettings } from './smtp.js';
import { sharedThrottle } from './shared-throttle.js';
import { AlertThrottle, type ThrottledAlert } from './throttle.js';

export interface AlertsService {
  /** For buildApp's onIngested: returns at once; never throws. */
  onIngested: IngestListener;
  /** Queues one message to ALERT_EMAILS, outside the throttle. */
  sendTestAlert(): void;
  /** Stops taking alerts, waits up to timeoutMs for the queue, and saves the throttle (folding what is left). */
  close(timeoutMs: number): Promise<void>;
}

export interface AlertsDeps {
  config: Readonly<Config>;
  store: Store;
  stateStore: AlertStateStore;
  logger: Logger;
  now?: () => Date;
  /** How often a waiting digest re-checks the clock at most (tests shorten it). */
  checkIntervalMs?: number;
}

type Job = { type: 'alert'; event: AlertEvent; held: HeldAlerts | null } | { type: 'digest'; held: HeldAlerts } | { type: 'test' };

/** Held-back alerts are saved this long after the decision at most, so a storm costs few writes. */
const SAVE_DELAY_MS = 1000;

/** Why POST /api/test-alert cannot send, or null when it can. */
export function testAlertProblem(config: Readonly<Config>): string | null {
  if (!config.smtp.host) return 'SMTP_HOST is not set';
  if (config.alertEmails.length === 0) return 'ALERT_EMAILS is not set';
  return null;
}

export function smtpSettings(config: Readonly<Config>): SmtpSettings | null {
  if (!config.smtp.host) return null;
  return {
    host: config.smtp.host,
    port: config.smtp.port,
    username: config.smtp.username,
    password: config.smtp.password,
    from: config.smtp.from,
    timeoutMs: config.smtp.timeoutSeconds * 1000,
    rejectUnauthorized: config.smtp.tlsRejectUnauthorized,
  };
}

export async function createAlertsService({ config, store, stateStore, logger, now = () => new Date(), checkIntervalMs = 30_000 }: AlertsDeps): Promise<AlertsService> {
  const log = logger.child({ component: 'alerts' });
  const smtp = smtpSettings(config);
  const email = smtp && config.alertEmails.length > 0 ? createEmailChannel(smtp, config.alertEmails, log) : null;
  const push = config.notify.url && config.notify.token ? createPushChannel({ url: config.notify.url, token: config.notify.token, timeoutMs: config.smtp.timeoutSeconds * 1000 }, log) : null;
  const channels = [email, push].filter((c): c is Channel => c !== null);

  if (smtp && !config.smtp.tlsRejectUnauthorized) {
    log.warn({ host: smtp.host, port: smtp.port }, 'SMTP_TLS_REJECT_UNAUTHORIZED=false: the SMTP server certificate is not verified, so the connection can be intercepted');
  }
  if (smtp && config.alertEmails.length === 0) log.warn({ host: smtp.host }, 'SMTP_HOST is set but ALERT_EMAILS is empty: no email alerts will be sent');
  log.info({ channels: channels.map((c) => c.name), cooldownSeconds: config.alerts.cooldownSeconds, maxPerHour: config.alerts.maxPerHour }, channels.length ? 'alerts enabled' : 'alerts disabled: no SMTP_HOST/ALERT_EMAILS or NOTIFY_URL/NOTIFY_TOKEN');

  const limits = { cooldownMs: config.alerts.cooldownSeconds * 1000, maxPerHour: config.alerts.maxPerHour };
  let throttle = new AlertThrottle(limits, await stateStore.loadAlertState());
  // Several instances on one database: decisions go through the shared state (shared-throttle.ts).
  const shared = sharedThrottle(stateStore, limits, (t) => (throttle = t));
  const warnShared = (err: unknown) => log.warn({ err }, 'the shared alert throttle state could not be updated');

  /** Folds into the held-back summary (in memory, or in the shared state). */
  function fold(alert: ThrottledAlert | null, held: HeldAlerts | null): Promise<void> {
    if (shared) return shared.fold(alert, held, now()).catch(warnShared);
    throttle.fold(alert, held, now());
    return Promise.resolve();
  }

  const queue: Job[] = [];
  let running = false;
  let closed = false;
  let foldWarned = false;
  let idleWaiters: (() => void)[] = [];

  // --- persistence: coalesced, off the request path ------------------------------------------
  let saveTimer: NodeJS.Timeout | null = null;
  let saveImmediate: NodeJS.Immediate | null = null;
  let lastSave: Promise<void> = Promise.resolve();

  function save(): Promise<void> {
    if (shared) return Promise.resolve(); // saved with each decision
    if (saveTimer) clearTimeout(saveTimer);
    if (saveImmediate) clearImmediate(saveImmediate);
    saveTimer = null;
    saveImmediate = null;
    lastSave = stateStore.saveAlertState(throttle.snapshot()).catch((err: unknown) => log.warn({ err }, 'could not save the alert throttle state'));
    return lastSave;
  }

  /** A send is saved in the same turn (a crash must not re-send it); held counts can wait a second. */
  function requestSave(urgent: boolean): void {
    if (closed) return;
    if (urgent) {
      if (saveTimer) clearTimeout(saveTimer);
      saveTimer = null;
      saveImmediate ??= setImmediate(() => void save());
    } else if (!saveTimer && !saveImmediate) {
      saveTimer = setTimeout(() => void save(), SAVE_DELAY_MS);
      saveTimer.unref();
    }
  }

  // --- the digest of held-back alerts --------------------------------------------------------
  let digestTimer: NodeJS.Timeout | null = null;

  function scheduleDigest(): void {
    if (digestTimer) clearTimeout(digestTimer);
    digestTimer = null;
    if (closed) return;
    const at = throttle.nextDigestAt(now());
    if (!at) return;
    const delay = Math.min(Math.max(at.getTime() - now().getTime(), 0), checkIntervalMs);
    digestTimer = setTimeout(runDigest, delay);
    digestTimer.unref();
  }

  function runDigest(): void {
    digestTimer = null;
    if (shared) {
      void shared.takeDigest(now()).then((held) => held && enqueue({ type: 'digest', held }), warnShared).finally(scheduleDigest);
      return;
    }
    const held = throttle.takeDigest(now());
    if (held) {
      enqueue({ type: 'digest', held });
      requestSave(true);
    }
    scheduleDigest();
  }

  // --- the queue -----------------------------------------------------------------------------
  function enqueue(job: Job): void {
    if (job.type !== 'test') {
      let pending = queue.filter((j) => j.type !== 'test').length;
      while (pending >= config.alerts.queueSize) {
        // Full: the oldest waiting alert becomes a line in the next summary instead of an email of its own.
        const i = queue.findIndex((j) => j.type !== 'test');
        const old = queue.splice(i, 1)[0]!;
        if (old.type === 'alert') void fold(old.event, old.held);
        else if (old.type === 'digest') void fold(null, old.held);
        pending--;
        if (!foldWarned) {
          foldWarned = true;
          log.warn({ queueSize: config.alerts.queueSize }, 'alert queue full: folding the oldest pending alerts into the next summary');
        }
        requestSave(false);
        scheduleDigest();
      }
    }
    queue.push(job);
    void pump();
  }

  async function pump(): Promise<void> {
    if (running) return;
    running = true;
    try {
      for (let job = queue.shift(); job; job = queue.shift()) {
        try {
          await deliver(job);
        } catch (err) {
          log.error({ err }, 'alert delivery failed unexpectedly');
        }
      }
    } finally {
      running = false;
      foldWarned = false;
      const waiters = idleWaiters;
      idleWaiters = [];
      for (const w of waiters) w();
    }
  }

  async function deliver(job: Job): Promise<void> {
    let message: AlertMessage;
    let targets = channels;
    if (job.type === 'test') {
      message = composeTestAlert({ now: now(), publicUrl: config.publicUrl });
      targets = email ? [email] : [];
    } else if (job.type === 'digest') {
      message = composeDigest(job.held, { now: now(), publicUrl: config.publicUrl });
    } else {
      message = composeAlert(await withStoredCounts(job.event), job.held, { now: now(), publicUrl: config.publicUrl });
    }
    await Promise.all(targets.map((c) => c.deliver(message)));
  }

  /** The group as stored now: its count and first/last seen are more telling than the report's alone. */
  async function withStoredCounts(event: AlertEvent): Promise<AlertEvent> {
    try {
      const found = await store.getError(event.groupId);
      if (!found) return event;
      return { ...event, count: found.error.count, firstSeen: found.error.firstSeen, lastSeen: found.error.lastSeen };
    } catch {
      return event;
    }
  }

  if (throttle.hasHeld()) scheduleDigest();

  return {
    onIngested(result: IngestResult, report: PreparedReport) {
      if (channels.length === 0 || closed || (!result.created && !result.regression)) return;
      try {
        const event = toEvent(result, report);
        if (shared) {
          void shared.offer(event, now()).then((d) => d.send && enqueue({ type: 'alert', event, held: d.held }), warnShared).finally(scheduleDigest);
          return;
        }
        const decision = throttle.offer(event, now());
        if (decision.send) {
          enqueue({ type: 'alert', event, held: decision.held });
        } else {
          log.debug({ groupId: event.groupId, kind: event.kind }, 'alert held back by the throttle');
        }
        requestSave(decision.send);
        scheduleDigest();
      } catch (err) {
        log.error({ err }, 'alert decision failed');
      }
    },

    sendTestAlert() {
      enqueue({ type: 'test' });
    },

    async close(timeoutMs) {
      if (closed) return;
      if (digestTimer) clearTimeout(digestTimer);
      digestTimer = null;
      if (running || queue.length > 0) {
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([
          new Promise<void>((resolve) => idleWaiters.push(resolve)),
          new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs))),
        ]);
        clearTimeout(timer);
      }
      closed = true;
      // What could not go out in time is reported by the first alert after the next start.
      for (const job of queue.splice(0)) {
        if (job.type === 'alert') await fold(job.event, job.held);
        else if (job.type === 'digest') await fold(null, job.held);
      }
      await lastSave;
      await save();
    },
  };
}

function toEvent(result: IngestResult, report: PreparedReport): AlertEvent {
  return {
    kind: result.created ? 'new' : 'regression',
    groupId: result.id,
    fingerprint: result.fingerprint,
    project: report.project,
    exceptionType: report.exceptionType,
    message: report.message,
    traceback: report.traceback,
    file: report.file,
    line: report.line,
    function: report.function,
    source: report.source,
    count: result.count,
    firstSeen: result.created ? report.timestamp : null,
    lastSeen: report.timestamp,
    release: report.release,
    environment: report.environment,
    requestMethod: report.requestMethod,
    requestUrl: report.requestUrl,
  };
}
