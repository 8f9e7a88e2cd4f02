// The push channel: the Gotify message API (POST {NOTIFY_URL}/message?token=...), with the same alerts as email.
import type { Logger } from '../logger.js';
import type { DeliveryResult } from './channels/types.js';
import type { AlertMessage } from './compose.js';
import { retryAfterMs } from './retry-after.js';
import type { Channel } from './smtp.js';

export interface PushSettings {
  url: string;
  token: string;
  timeoutMs: number;
}

export function createPushChannel(settings: PushSettings, logger: Logger): Channel {
  // The token travels in the query string (Gotify's documented form); logs name the endpoint without it.
  const endpoint = `${settings.url}/message`;
  const hide = (s: string) => s.split(settings.token).join('[redacted]');
  return {
    name: 'push',
    async deliver(message: AlertMessage): Promise<DeliveryResult> {
      const started = Date.now();
      const body = {
        title: message.title,
        message: message.pushText,
        priority: message.priority,
        ...(message.link ? { extras: { 'client::notification': { click: { url: message.link } } } } : {}),
      };
      try {
        const res = await fetch(`${endpoint}?token=${encodeURIComponent(settings.token)}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(body),
          signal: AbortSignal.timeout(settings.timeoutMs),
          redirect: 'error',
        });
        const answer = hide((await res.text()).slice(0, 300));
        if (!res.ok) {
          logger.warn({ channel: 'push', endpoint, status: res.status, answer, ms: Date.now() - started }, `Push alert failed via ${endpoint}: HTTP ${res.status}`);
          const wait = retryAfterMs(res.headers.get('retry-after'), new Date());
          return {
            ok: false,
            status: res.status,
            retryable: res.status === 429 || res.status === 408 || res.status >= 500,
            ...(wait !== undefined ? { retryAfterMs: wait } : {}),
            error: `HTTP ${res.status}`,
          };
        }
        logger.info({ channel: 'push', endpoint, status: res.status, priority: message.priority, ms: Date.now() - started }, `Push alert sent via ${endpoint}`);
        return { ok: true, status: res.status, retryable: false };
      } catch (e) {
        const err = e as Error & { cause?: { code?: string; message?: string } };
        const reason = hide(`${err.name}: ${err.message}${err.cause?.message ? ` (${err.cause.message})` : ''}`);
        logger.warn({ channel: 'push', endpoint, code: err.cause?.code ?? err.name, reason, ms: Date.now() - started }, `Push alert failed via ${endpoint}: ${reason}`);
        return { ok: false, status: null, retryable: true, error: (err.cause?.code ?? err.name).slice(0, 100) };
      }
    },
  };
}
