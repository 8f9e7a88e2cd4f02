// Message events (captureMessage, logging): when they are one, and the fingerprint of their template (pure).
import { md5Hex } from '../fingerprint.js';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);

/**
 * A message event has no exception, or only the synthetic one the JS SDKs build for
 * `captureMessage` with `attachStacktrace` (11.x by default in browsers): every value marked
 * `mechanism.synthetic: true`, and the event carries a `message` or `logentry`. Grouping such an
 * event by its stack would put every message sent through one logging helper in one group.
 */
export function isMessageEvent(exceptions: readonly Obj[], hasMessage: boolean): boolean {
  if (exceptions.length === 0) return true;
  return hasMessage && exceptions.every((e) => isObj(e.mechanism) && e.mechanism.synthetic === true);
}

/** Sentry keeps the first two non-empty lines of a message for grouping; 500 characters at most. */
export function messageGroupingText(template: string): string {
  const text = template
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
    .slice(0, 2)
    .join('\n');
  return text.length > 500 ? text.slice(0, 500) : text || '(no message)';
}

/**
 * `md5(project:message:<template>)`, whether a frame exists or not: the hash message-only events
 * have had since the Sentry endpoints came, so no stored message group changes.
 */
export function messageFingerprint(project: string, template: string): string {
  return md5Hex(`${project}:message:${messageGroupingText(template)}`);
}
