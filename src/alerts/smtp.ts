// The email channel: one SMTP session per message, its mode chosen by port, each failure named by phase.
import MailComposer from 'nodemailer/lib/mail-composer';
import SMTPConnection from 'nodemailer/lib/smtp-connection';
import type { Logger } from '../logger.js';
import type { DeliveryResult } from './channels/types.js';
import type { AlertMessage } from './compose.js';

/** 465 speaks TLS from the first byte; any other port starts plain and upgrades when STARTTLS is offered. */
export type SmtpMode = 'implicit TLS' | 'STARTTLS' | 'plain';
export type SmtpPhase = 'connect' | 'greeting' | 'tls' | 'auth' | 'send';

export interface SmtpSettings {
  host: string;
  port: number;
  username?: string | undefined;
  password?: string | undefined;
  /** `addr` or `Name <addr>`. */
  from: string;
  timeoutMs: number;
  rejectUnauthorized: boolean;
}

export interface SmtpSent {
  mode: SmtpMode;
  bytes: number;
  response: string;
}

interface NodemailerError extends Error {
  code?: string;
  originalCode?: string;
  timeoutType?: string;
  responseCode?: number;
}

export class SmtpSendError extends Error {
  readonly phase: SmtpPhase;
  readonly mode: SmtpMode;
  readonly bytes: number;
  /** nodemailer's code (ETIMEDOUT, ESOCKET, ETLS, EAUTH...). */
  readonly code: string | undefined;
  /** The system or TLS code underneath (ECONNREFUSED, ERR_SSL_WRONG_VERSION_NUMBER...), or the timeout's kind. */
  readonly underlying: string | undefined;
  /** The server's reply code, when it answered with one. */
  readonly responseCode: number | undefined;

  constructor(err: NodemailerError, phase: SmtpPhase, mode: SmtpMode, bytes: number) {
    super(err.message);
    this.name = 'SmtpSendError';
    this.phase = phase;
    this.mode = mode;
    this.bytes = bytes;
    this.code = err.code;
    this.underlying = err.originalCode ?? err.timeoutType;
    this.responseCode = err.responseCode;
  }
}

const TLS_TROUBLE = /SSL|TLS|CERT|SELF_SIGNED|UNABLE_TO|HOSTNAME|ALTNAME|ECONNRESET/i;

export function modeForPort(port: number): 'implicit TLS' | 'STARTTLS' {
  return port === 465 ? 'implicit TLS' : 'STARTTLS';
}

/** The bare address of `Name <addr>`, for the envelope. */
export function envelopeAddress(mailbox: string): string {
  const m = /<([^<>]+)>\s*$/.exec(mailbox);
  return (m ? m[1]! : mailbox).trim();
}

/** Sends one message; rejects with an SmtpSendError that says where it failed. */
export async function sendMail(settings: SmtpSettings, to: readonly string[], message: Pick<AlertMessage, 'subject' | 'text' | 'html'>): Promise<SmtpSent> {
  const raw = await new MailComposer({
    from: settings.from,
    to: to.join(', '),
    subject: message.subject,
    text: message.text,
    html: message.html,
    // RFC 3834: tells auto-responders (vacation replies) not to answer an alert.
    headers: { 'Auto-Submitted': 'auto-generated' },
  })
    .compile()
    .build();

  const implicit = settings.port === 465;
  const conn = new SMTPConnection({
    host: settings.host,
    port: settings.port,
    secure: implicit,
    connectionTimeout: settings.timeoutMs,
    greetingTimeout: settings.timeoutMs,
    socketTimeout: settings.timeoutMs,
    dnsTimeout: settings.timeoutMs,
    tls: { rejectUnauthorized: settings.rejectUnauthorized, minVersion: 'TLSv1.2' },
  });
  const mode = (): SmtpMode => (implicit ? 'implicit TLS' : conn.secure || conn.upgrading ? 'STARTTLS' : 'plain');
  let step: 'connect' | 'auth' | 'send' = 'connect';

  const phaseOf = (err: NodemailerError): SmtpPhase => {
    if (step !== 'connect') return step;
    if (err.code === 'ETLS' || err.timeoutType === 'UPGRADE_TIMEOUT' || conn.upgrading) return 'tls';
    if (err.timeoutType === 'CONNECT_TIMEOUT') return 'connect';
    if (err.timeoutType === 'GREETING_TIMEOUT') return 'greeting';
    if (conn.stage === 'init') {
      // With implicit TLS the socket counts as connected only after the handshake.
      return implicit && TLS_TROUBLE.test(`${err.originalCode ?? ''} ${err.message}`) ? 'tls' : 'connect';
    }
    return 'greeting';
  };

  return new Promise<SmtpSent>((resolve, reject) => {
    let settled = false;
    const fail = (err: NodemailerError) => {
      if (settled) return;
      settled = true;
      const e = new SmtpSendError(err, phaseOf(err), mode(), raw.length);
      conn.close();
      reject(e);
    };
    conn.on('error', fail);
    conn.connect(() => {
      const deliver = () => {
        step = 'send';
        conn.send({ from: envelopeAddress(settings.from), to: to.map(envelopeAddress) }, raw, (err, info) => {
          if (err) return fail(err);
          if (settled) return;
          settled = true;
          const sent = { mode: mode(), bytes: raw.length, response: String(info?.response ?? '') };
          conn.quit();
          resolve(sent);
        });
      };
      if (settings.username === undefined) return deliver();
      step = 'auth';
      conn.login({ user: settings.username, pass: settings.password ?? '' }, (err) => (err ? fail(err) : deliver()));
    });
  });
}

export interface Channel {
  name: string;
  /** Never rejects: the outcome says whether to retry. */
  deliver(message: AlertMessage): Promise<DeliveryResult>;
}

/** Sends to every address in ALERT_EMAILS and logs one line per message, success or failure. */
export function createEmailChannel(settings: SmtpSettings, recipients: readonly string[], logger: Logger): Channel {
  const where = `${settings.host}:${settings.port}`;
  return {
    name: 'email',
    async deliver(message) {
      const started = Date.now();
      try {
        const sent = await sendMail(settings, recipients, message);
        logger.info(
          { channel: 'email', to: recipients, host: settings.host, port: settings.port, mode: sent.mode, bytes: sent.bytes, ms: Date.now() - started },
          `Email alert sent to ${recipients.join(', ')} via SMTP (${where}, ${sent.mode})`,
        );
        return { ok: true, status: Number(/^\d{3}/.exec(sent.response)?.[0] ?? 250), retryable: false };
      } catch (e) {
        const err = e instanceof SmtpSendError ? e : new SmtpSendError(e as NodemailerError, 'send', modeForPort(settings.port), 0);
        const hint = hintFor(err, settings.port);
        logger.warn(
          {
            channel: 'email',
            to: recipients,
            host: settings.host,
            port: settings.port,
            mode: err.mode,
            phase: err.phase,
            bytes: err.bytes,
            code: err.code,
            underlying: err.underlying,
            ms: Date.now() - started,
            ...(hint ? { hint } : {}),
            err,
          },
          `Email alert failed via SMTP (${where}, ${err.mode}) at ${err.phase}, ${err.bytes} bytes: ${[err.code, err.underlying].filter(Boolean).join('/')} ${err.message}`,
        );
        // A 5xx reply is permanent (RFC 5321): retrying would get the same answer; anything else may pass later.
        const permanent = err.responseCode !== undefined && err.responseCode >= 500;
        return { ok: false, status: err.responseCode ?? null, retryable: !permanent, error: `SMTP ${err.phase}: ${[err.code, err.underlying].filter(Boolean).join('/')}`.slice(0, 200) };
      }
    },
  };
}

/** The usual misconfigurations, in words. */
function hintFor(err: SmtpSendError, port: number): string | undefined {
  if (err.phase === 'greeting' && err.code === 'ETIMEDOUT' && port !== 465)
    return 'no SMTP greeting: the server may expect implicit TLS (port 465), or a firewall holds the connection';
  if (err.phase === 'tls' && /WRONG_VERSION|wrong version/i.test(`${err.underlying} ${err.message}`))
    return 'the server answered in plain text: it does not speak implicit TLS on this port (try 587 or 25)';
  if (err.phase === 'tls' && /CERT|SELF_SIGNED|UNABLE_TO/i.test(`${err.underlying} ${err.message}`))
    return 'the server certificate is not trusted: add its CA with NODE_EXTRA_CA_CERTS, or set SMTP_TLS_REJECT_UNAUTHORIZED=false';
  if (err.phase === 'connect' && err.underlying === 'ECONNREFUSED') return 'nothing listens on this host and port';
  if (err.phase === 'auth') return 'check SMTP_USERNAME and SMTP_PASSWORD, and whether the server allows AUTH in this mode';
  return undefined;
}
