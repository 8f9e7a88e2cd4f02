// Email (SMTP) and Gotify behind the channels' one interface: a ChannelConfig each, delivered by `deliverBuiltin`.
import type { Config } from '../config.js';
import type { Logger } from '../logger.js';
import type { ChannelConfig, DeliveryResult, Notification } from './channels/types.js';
import { composeAlert, composeDigest, composeTestAlert, type AlertMessage } from './compose.js';
import { whyText } from './payload.js';
import { createPushChannel } from './push.js';
import { createEmailChannel, type Channel, type SmtpSettings } from './smtp.js';

/** How the sender reaches any channel: the other kinds' `deliver` plugs in beside these two. */
export type DeliverFn = (channel: ChannelConfig, n: Notification) => Promise<DeliveryResult>;

export const EMAIL_CHANNEL_ID = 'global:email:0';
export const GOTIFY_CHANNEL_ID = 'global:gotify:0';

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

/** The environment's email and Gotify channels (SMTP_HOST with ALERT_EMAILS; NOTIFY_URL with NOTIFY_TOKEN). */
export function builtinChannels(config: Readonly<Config>): ChannelConfig[] {
  const out: ChannelConfig[] = [];
  if (config.smtp.host && config.alertEmails.length > 0) out.push({ id: EMAIL_CHANNEL_ID, kind: 'email', url: '', project: null });
  if (config.notify.url && config.notify.token) out.push({ id: GOTIFY_CHANNEL_ID, kind: 'gotify', url: config.notify.url, token: config.notify.token, project: null });
  return out;
}

/** Delivers to the email and Gotify channels of the environment; any other channel is not this function's. */
export function createBuiltinDeliver(config: Readonly<Config>, logger: Logger): DeliverFn {
  const smtp = smtpSettings(config);
  const email = smtp && config.alertEmails.length > 0 ? createEmailChannel(smtp, config.alertEmails, logger) : null;
  const push =
    config.notify.url && config.notify.token ? createPushChannel({ url: config.notify.url, token: config.notify.token, timeoutMs: config.smtp.timeoutSeconds * 1000 }, logger) : null;
  return async (channel, n) => {
    const target: Channel | null = channel.kind === 'email' ? email : channel.kind === 'gotify' ? push : null;
    if (!target) return { ok: false, status: null, retryable: false, error: `no ${channel.kind} channel is configured` };
    return target.deliver(messageOf(n, config.publicUrl));
  };
}

/** The email and push texts of a notification (compose.ts), from what the notification carries. */
export function messageOf(n: Notification, publicUrl: string | undefined): AlertMessage {
  const now = new Date(n.at);
  if (n.kind === 'test') return composeTestAlert({ now, publicUrl });
  if (n.kind === 'digest') return composeDigest(n.held ?? { newCount: 0, regressionCount: 0, since: n.at, dueAt: n.at, samples: [] }, { now, publicUrl });
  const why = whyText(n.why);
  return composeAlert(
    {
      kind: n.kind,
      groupId: n.groupId ?? 0,
      fingerprint: '',
      project: n.project ?? '',
      exceptionType: n.exceptionType,
      message: n.message,
      traceback: n.details?.traceback ?? '',
      // The culprit is already "file:line in function" (or "(no frame)").
      file: n.culprit,
      line: null,
      function: '',
      source: n.details?.source === 'browser' ? 'browser' : 'server',
      count: n.count,
      firstSeen: n.firstSeen,
      lastSeen: n.lastSeen ?? n.at,
      release: n.release,
      environment: n.environment,
      requestMethod: null,
      requestUrl: n.details?.request ?? null,
      ...(why ? { why } : {}),
    },
    n.held,
    { now, publicUrl },
  );
}
