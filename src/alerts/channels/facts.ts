// What every channel says about an alert, as neutralised one-line text: each formatter escapes it for its own markup.
import { oneLine } from '../untrusted-text.js';
import type { AlertRule, Notification } from './types.js';

/** One labelled line of an alert ("Where", "Events" ...), its value already one line. */
export interface Fact {
  label: string;
  value: string;
}

export interface AlertFacts {
  /** "New error", "Regression", "Spike" ... */
  label: string;
  project: string;
  type: string;
  message: string;
  /** "[shop] New error: ValueError" */
  title: string;
  /** Which rule fired and its numbers, in words. */
  rule: string;
  facts: Fact[];
  /** What the throttle held back, or null. */
  held: string | null;
  link: string | null;
  /** How urgent, for the kinds that have a notion of it: 'high' for spikes, impact and regressions. */
  urgency: 'high' | 'normal' | 'low';
}

export const PROJECT_MAX = 100;
export const TYPE_MAX = 200;
export const MESSAGE_MAX = 1000;
export const FIELD_MAX = 500;

const LABELS: Record<Notification['kind'], string> = {
  new: 'New error',
  regression: 'Regression',
  spike: 'Spike',
  impact: 'Impact',
  digest: 'Held back',
  test: 'Test alert',
};

const number = (n: number) => n.toLocaleString('en-US');

/** The rule that fired and the numbers that made it fire, in words. */
export function describeRule(why: AlertRule): string {
  switch (why.rule) {
    case 'new':
      return 'New group: first time this error was seen';
    case 'regression':
      return 'Regression: a resolved group happened again';
    case 'spike':
      return `Spike: ${number(why.events)} events in ${number(why.minutes)} min${why.usualPerHour !== undefined ? ` (usually ${number(why.usualPerHour)} an hour)` : ''}`;
    case 'impact':
      return `Impact: ${number(why.users)} distinct users in ${number(why.minutes)} min`;
    case 'digest':
      return 'Digest: alerts held back by the throttle';
    case 'test':
      return 'Test: sent from the Projects page or the API';
  }
}

export function heldText(n: Notification): string | null {
  const h = n.held;
  if (!h || h.newCount + h.regressionCount === 0) return null;
  const parts: string[] = [];
  if (h.newCount > 0) parts.push(`${number(h.newCount)} more new error${h.newCount === 1 ? '' : 's'}`);
  if (h.regressionCount > 0) parts.push(`${number(h.regressionCount)} regression${h.regressionCount === 1 ? '' : 's'}`);
  return `${parts.join(' and ')} held back by the throttle since ${h.since.slice(0, 16).replace('T', ' ')} UTC`;
}

/** Every untrusted field on one line (line breaks, controls and bidirectional overrides neutralised) and bounded. */
export function alertFacts(n: Notification): AlertFacts {
  const label = LABELS[n.kind];
  const project = n.project === null ? 'error-tracker' : oneLine(n.project, PROJECT_MAX);
  const type = oneLine(n.exceptionType, TYPE_MAX) || '(no type)';
  const message = oneLine(n.message, MESSAGE_MAX);
  const facts: Fact[] = [];
  if (n.kind !== 'test' && n.kind !== 'digest') {
    facts.push({ label: 'Where', value: oneLine(n.culprit, FIELD_MAX) || '(no frame)' });
    facts.push({ label: 'Events', value: number(n.count) });
    facts.push({ label: 'Users', value: n.users === null ? '-' : number(n.users) });
    facts.push({ label: 'Release', value: n.release === null ? '-' : oneLine(n.release, FIELD_MAX) });
    facts.push({ label: 'Environment', value: n.environment === null ? '-' : oneLine(n.environment, FIELD_MAX) });
    if (n.firstSeen) facts.push({ label: 'First seen', value: n.firstSeen });
  } else if (n.kind === 'digest') {
    facts.push({ label: 'Alerts', value: number(n.count) });
  }
  const urgency = n.kind === 'spike' || n.kind === 'impact' || n.kind === 'regression' ? 'high' : n.kind === 'test' ? 'low' : 'normal';
  return {
    label,
    project,
    type,
    message,
    title: oneLine(`[${project}] ${label}: ${type}`, 250),
    rule: describeRule(n.why),
    facts,
    held: heldText(n),
    link: n.link,
    urgency,
  };
}

/** Cuts to `max` characters with an ellipsis (formatters bound each field to what the service accepts). */
export function cut(s: string, max: number): string {
  return s.length <= max ? s : `${s.slice(0, max - 1)}…`;
}
