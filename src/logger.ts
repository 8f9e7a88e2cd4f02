// The pino logger: JSON lines, with keys, cookies and query-string secrets kept out of every record.
import { pino, type DestinationStream, type Logger } from 'pino';

export type { Logger };

const REDACT = [
  'req.headers["x-api-key"]',
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-sentry-auth"]',
  'headers["x-api-key"]',
  'headers.authorization',
  'headers.cookie',
];

/** `?key=...&sentry_key=...` must not reach the logs through a URL either. */
export function redactUrl(url: string): string {
  return url.replace(/([?&](?:key|api_key|apikey|sentry_key|token)=)[^&#]*/gi, '$1[redacted]');
}

export function createLogger(level: string, destination?: DestinationStream): Logger {
  const options = {
    level,
    redact: { paths: REDACT, censor: '[redacted]' },
    // "level":"warn", not 40: operators grep for the names the README uses.
    formatters: { level: (label: string) => ({ level: label }) },
    serializers: {
      req: (req: { method?: string; url?: string; ip?: string; id?: string }) => ({
        id: req.id,
        method: req.method,
        url: req.url === undefined ? undefined : redactUrl(req.url),
        ip: req.ip,
      }),
      err: pino.stdSerializers.err,
    },
  };
  return destination ? pino(options, destination) : pino(options);
}
