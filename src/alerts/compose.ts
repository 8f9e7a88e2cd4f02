// Alert messages: subject, text and HTML bodies, and the push title; pure, every untrusted field on one line (oneLine) and escaped.
import type { AlertKind, HeldAlerts, PreparedReport } from '../store/types.js';
import { oneLine } from './untrusted-text.js';

export { oneLine };

/** Everything an alert says about one group: the ingested report, with the group's id and counts. */
export type AlertEvent = Pick<
  PreparedReport,
  'fingerprint' | 'project' | 'exceptionType' | 'message' | 'traceback' | 'file' | 'line' | 'function' | 'source' | 'release' | 'environment' | 'requestMethod' | 'requestUrl'
> & {
  kind: AlertKind;
  groupId: number;
  count: number;
  firstSeen: string | null;
  lastSeen: string;
  /** Which rule fired and its numbers, in words (spike and impact). */
  why?: string;
};

const LABELS: Record<AlertKind, string> = { new: 'New error', regression: 'Regression', spike: 'Spike', impact: 'Impact' };
const SAMPLE_LABELS: Record<AlertKind, string> = { new: 'New', regression: 'Regression', spike: 'Spike', impact: 'Impact' };

export interface AlertMessage {
  subject: string;
  text: string;
  html: string;
  /** For the push channel. */
  title: string;
  pushText: string;
  /** Gotify priority: 8 for a new error, 9 for a regression. */
  priority: number;
  link: string | null;
}

export const SUBJECT_MAX = 200;
const MESSAGE_IN_SUBJECT_MAX = 120;
const TRACEBACK_LINES = 20;
const FIELD_MAX = 2000;

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** The group in the web UI (whose router reads `?error=<id>`, web/app.js), when PUBLIC_URL says where that is. */
export function groupLink(publicUrl: string | undefined, groupId: number): string | null {
  return publicUrl ? `${publicUrl}/?error=${groupId}` : null;
}

/** "14:02 UTC", or "2026-03-01 14:02 UTC" when not today. */
export function shortTime(iso: string, now: Date): string {
  const d = new Date(iso);
  const hm = d.toISOString().slice(11, 16);
  return d.toISOString().slice(0, 10) === now.toISOString().slice(0, 10) ? `${hm} UTC` : `${d.toISOString().slice(0, 10)} ${hm} UTC`;
}

/** "57 more new errors and 2 regressions since 14:02 UTC" */
export function heldSummary(held: HeldAlerts, now: Date): string {
  const parts: string[] = [];
  const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
  if (held.newCount > 0) parts.push(`${held.newCount} more new error${held.newCount === 1 ? '' : 's'}`);
  if (held.regressionCount > 0) parts.push(plural(held.regressionCount, 'regression'));
  if (held.spikeCount) parts.push(plural(held.spikeCount, 'spike'));
  if (held.impactCount) parts.push(plural(held.impactCount, 'impact alert'));
  const list = parts.length > 1 ? `${parts.slice(0, -1).join(', ')} and ${parts[parts.length - 1]}` : parts.join('');
  return `${list} since ${shortTime(held.since, now)}`;
}

export function composeAlert(event: AlertEvent, held: HeldAlerts | null, opts: { publicUrl?: string | undefined; now: Date }): AlertMessage {
  const label = LABELS[event.kind];
  // Everything below comes from the report: each on one line, bidirectional controls neutralised.
  const project = oneLine(event.project, 100);
  const type = oneLine(event.exceptionType, 200);
  const headline = `${type}: ${oneLine(event.message, MESSAGE_IN_SUBJECT_MAX)}`;
  const subject = oneLine(`[${oneLine(event.project, 60)}] ${label}: ${headline}`, SUBJECT_MAX);
  const link = groupLink(opts.publicUrl, event.groupId);
  const crash = event.file ? `${event.file}${event.line !== null ? `:${event.line}` : ''}${event.function ? ` in ${event.function}` : ''}` : '(no frame)';
  const request = event.requestUrl || event.requestMethod ? `${event.requestMethod ?? ''} ${event.requestUrl ?? ''}`.trim() : null;
  const tail = tracebackTail(event.traceback);

  const rows: [string, string][] = [
    ...(event.why ? [['Rule', event.why] as [string, string]] : []),
    ['Project', event.project],
    ['Type', event.exceptionType],
    ['Message', event.message],
    ['Where', crash],
    ['Count', String(event.count)],
    ['First seen', event.firstSeen ?? 'unknown'],
    ['Last seen', event.lastSeen],
    ['Release', event.release ?? '-'],
    ['Environment', event.environment ?? '-'],
    ['Source', event.source],
  ];
  if (request) rows.push(['Request', request]);
  const rowsCut = rows.map(([k, v]) => [k, oneLine(v, FIELD_MAX)] as [string, string]);
  const intro = {
    new: `A new error in ${project}.`,
    regression: `A resolved error in ${project} happened again.`,
    spike: `An error in ${project} spikes: ${event.why ?? ''}.`,
    impact: `An error in ${project} reaches many users: ${event.why ?? ''}.`,
  }[event.kind];
  const heldText = held ? `And ${heldSummary(held, opts.now)} (held back by the alert throttle).` : null;

  const text = [
    intro,
    '',
    ...rowsCut.map(([k, v]) => `${`${k}:`.padEnd(13)}${v}`),
    ...(tail ? ['', 'Traceback (last lines):', tail] : []),
    ...(link ? ['', `Open: ${link}`] : []),
    ...(heldText ? ['', heldText] : []),
    '',
  ].join('\n');

  const html = [
    `<p>${escapeHtml(intro)}</p>`,
    '<table cellpadding="4" style="border-collapse:collapse;font-family:sans-serif;font-size:14px">',
    ...rowsCut.map(([k, v]) => `<tr><th align="left" valign="top">${escapeHtml(k)}</th><td>${escapeHtml(v)}</td></tr>`),
    '</table>',
    ...(tail ? ['<p><b>Traceback (last lines)</b></p>', `<pre style="font-size:12px">${escapeHtml(tail)}</pre>`] : []),
    ...(link ? [`<p><a href="${escapeHtml(link)}">Open in error-tracker</a></p>`] : []),
    ...(heldText ? [`<p>${escapeHtml(heldText)}</p>`] : []),
  ].join('\n');

  const pushText = [
    ...(event.why ? [oneLine(`${label}: ${event.why}`, FIELD_MAX)] : []),
    oneLine(crash, FIELD_MAX),
    oneLine(`Count ${event.count}, ${event.environment ?? 'no environment'}, release ${event.release ?? '-'}`, FIELD_MAX),
    ...(request ? [oneLine(request, FIELD_MAX)] : []),
    ...(link ? [link] : []),
    ...(heldText ? [heldText] : []),
  ].join('\n');
  return { subject, text, html, title: subject, pushText: cut(pushText, 4000), priority: event.kind === 'new' ? 8 : 9, link };
}

/** Sent by itself when held-back alerts are waiting and the throttle allows one more. */
export function composeDigest(held: HeldAlerts, opts: { publicUrl?: string | undefined; now: Date }): AlertMessage {
  const projects = [...new Set(held.samples.map((s) => s.project))];
  const scope = projects.length === 1 ? oneLine(projects[0]!, 60) : 'error-tracker';
  const summary = heldSummary(held, opts.now).replace(/^(\d+) more /, '$1 ');
  const subject = oneLine(`[${scope}] Held back: ${summary}`, SUBJECT_MAX);
  const lines = held.samples.map((s) => {
    const link = groupLink(opts.publicUrl, s.groupId);
    const what = oneLine(`[${oneLine(s.project, 100)}] ${oneLine(s.exceptionType, 200)}: ${oneLine(s.message, 200)}`, 500);
    return { s, line: `${SAMPLE_LABELS[s.kind]} ${shortTime(s.at, opts.now)} ${what}`, link };
  });
  const total = held.newCount + held.regressionCount + (held.spikeCount ?? 0) + (held.impactCount ?? 0);
  const intro = `The alert throttle held back ${summary}.`;
  const more = total > lines.length ? `The latest ${lines.length} of ${total}:` : 'They were:';
  const text = [intro, '', more, ...lines.map(({ line, link }) => `- ${line}${link ? `\n  ${link}` : ''}`), ''].join('\n');
  const html = [
    `<p>${escapeHtml(intro)}</p>`,
    `<p>${escapeHtml(more)}</p>`,
    '<ul>',
    ...lines.map(({ line, link }) => `<li>${link ? `<a href="${escapeHtml(link)}">${escapeHtml(line)}</a>` : escapeHtml(line)}</li>`),
    '</ul>',
  ].join('\n');
  const priority = held.regressionCount + (held.spikeCount ?? 0) + (held.impactCount ?? 0) > 0 ? 9 : 8;
  return { subject, text, html, title: subject, pushText: cut(`${intro}\n${lines.map((l) => l.line).join('\n')}`, 4000), priority, link: opts.publicUrl ?? null };
}

export function composeTestAlert(opts: { now: Date; publicUrl?: string | undefined }): AlertMessage {
  const subject = '[error-tracker] Test alert';
  const intro = `This is a test alert from error-tracker, sent at ${opts.now.toISOString()}. If you are reading it, alerts reach you.`;
  const text = `${intro}\n${opts.publicUrl ? `\n${opts.publicUrl}\n` : ''}`;
  const html = `<p>${escapeHtml(intro)}</p>${opts.publicUrl ? `<p><a href="${escapeHtml(opts.publicUrl)}">${escapeHtml(opts.publicUrl)}</a></p>` : ''}`;
  return { subject, text, html, title: subject, pushText: intro, priority: 5, link: opts.publicUrl ?? null };
}

/**
 * The last lines of the traceback, each made safe and indented under the heading: no line of it
 * can pass for one of ours (a traceback may well contain "Open: https://...").
 */
function tracebackTail(traceback: string): string {
  if (traceback.trim() === '') return '';
  const lines = traceback.replace(/\s+$/, '').split(/\r\n|[\n\r\u2028\u2029\u0085]/);
  const safe = lines.slice(-TRACEBACK_LINES).map((l) => {
    const indent = Math.min(l.length - l.trimStart().length, 12);
    return `    ${' '.repeat(indent)}${oneLine(l, 300)}`;
  });
  return cut(safe.join('\n'), 4000);
}

function cut(s: string, max: number): string {
  return s.length <= max ? s : `${s.slice(0, max - 1)}…`;
}
