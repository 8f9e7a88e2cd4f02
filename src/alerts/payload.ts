// An outbox row made into what channels say: the Notification of the contract, and the email's longer event.
import type { AlertKind, ErrorGroup, HeldAlerts, OutboxRow } from '../store/types.js';
import type { AlertRule, Notification } from './channels/types.js';
import { groupLink, heldSummary, type AlertEvent } from './compose.js';
import type { ThrottledAlert } from './throttle.js';

/** What the ingest transaction writes for an alert (JSON in alert_outbox.payload); the traceback is read at send time. */
export interface AlertPayload extends Omit<AlertEvent, 'traceback' | 'why'> {
  kind: AlertKind;
  why: AlertRule;
  users: number | null;
}

export function parsePayload(row: OutboxRow): AlertPayload | null {
  return row.rule === 'digest' ? null : (JSON.parse(row.payload) as AlertPayload);
}

/** What the throttle sees of a pending row. */
export function throttled(row: OutboxRow, p: AlertPayload): ThrottledAlert {
  return { kind: p.kind, fingerprint: row.cooldownKey ?? p.fingerprint, groupId: p.groupId, project: p.project, exceptionType: p.exceptionType, message: p.message };
}

/** The rule and its numbers, in words: "12 events in 5 minutes (usually 0.5 an hour)". */
export function whyText(why: AlertRule): string | undefined {
  if (why.rule === 'spike') return `${why.events} events in ${why.minutes} minutes${why.usualPerHour !== undefined ? ` (usually ${why.usualPerHour} an hour)` : ''}`;
  if (why.rule === 'impact') return `${why.users} distinct users in the last hour`;
  return undefined;
}

export function culprit(p: Pick<AlertEvent, 'file' | 'line' | 'function'>): string {
  return p.file ? `${p.file}${p.line !== null ? `:${p.line}` : ''}${p.function ? ` in ${p.function}` : ''}` : '(no frame)';
}

/** The event for email and push: the payload with the group as stored now (counts, first seen, traceback), when it still exists. */
export function alertEvent(p: AlertPayload, group: ErrorGroup | null): AlertEvent {
  const { users: _users, why, ...rest } = p;
  const text = whyText(why);
  return {
    ...rest,
    traceback: group?.traceback ?? '',
    ...(group ? { count: group.count, firstSeen: group.firstSeen, lastSeen: group.lastSeen } : {}),
    ...(text ? { why: text } : {}),
  };
}

export function notificationOf(row: OutboxRow, group: ErrorGroup | null, publicUrl: string | undefined, at: string): Notification {
  const p = parsePayload(row);
  if (!p) return digestNotification(row, row.held, publicUrl, at);
  const e = alertEvent(p, group);
  const request = e.requestUrl || e.requestMethod ? `${e.requestMethod ?? ''} ${e.requestUrl ?? ''}`.trim() : null;
  return {
    id: `outbox:${row.id}`,
    kind: p.kind,
    why: p.why,
    project: p.project,
    groupId: p.groupId,
    exceptionType: p.exceptionType,
    message: p.message,
    culprit: culprit(p),
    count: e.count,
    users: p.users,
    release: p.release,
    environment: p.environment,
    firstSeen: e.firstSeen,
    lastSeen: e.lastSeen,
    link: groupLink(publicUrl, p.groupId),
    held: row.held,
    at,
    details: { traceback: e.traceback, request, source: e.source },
  };
}

function digestNotification(row: OutboxRow, held: HeldAlerts | null, publicUrl: string | undefined, at: string): Notification {
  const h = held ?? { newCount: 0, regressionCount: 0, since: at, dueAt: at, samples: [] };
  const projects = [...new Set(h.samples.map((s) => s.project))];
  return {
    id: `outbox:${row.id}`,
    kind: 'digest',
    why: { rule: 'digest' },
    project: projects.length === 1 ? projects[0]! : null,
    groupId: null,
    exceptionType: '',
    message: heldSummary(h, new Date(at)),
    culprit: '',
    count: h.newCount + h.regressionCount + (h.spikeCount ?? 0) + (h.impactCount ?? 0),
    users: null,
    release: null,
    environment: null,
    firstSeen: h.since,
    lastSeen: null,
    link: publicUrl ?? null,
    held: h,
    at,
  };
}

/** The digest's outbox payload: what it counts is in `held`. */
export const DIGEST_PAYLOAD = '{"kind":"digest"}';
