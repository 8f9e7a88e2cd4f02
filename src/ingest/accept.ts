// A report from its JSON text to a stored group (native reports, Sentry events): the ingest path after HTTP, wherever it runs.
import { errors } from '../errors.js';
import type { IngestResult, PreparedReport } from '../store/types.js';
import { parseOrThrow } from '../validation.js';
import { finishReport, parseValidReport, type ParsedReport } from './pipeline.js';
import type { MapReport } from '../sourcemaps/ingest-step.js';
import { debugIdIndex } from '../sourcemaps/debug-ids.js';
import { reportSchema } from './report-schema.js';
import type { KeyMatcher } from './scrub.js';
import { detailsFromSentry } from './event/from-sentry.js';
import { sdkOfClient } from './sentry/auth.js';
import { eventToReport } from './sentry/event-to-report.js';

export interface NativeSubmission {
  /** The body as received (application/json or text/plain); empty means no body. */
  text: string;
  /** Time of receipt, in ms since the epoch. */
  receivedAt: number;
  /** Set for ingest keys: the only project the report may name. */
  requiredProject?: string;
}

export interface Accepted {
  result: IngestResult;
  /** The report as stored, for listeners downstream (alerts, the live stream). */
  report?: PreparedReport;
}

/** Stores a native report; rejects with the catalogue's 400/403, or with the store's error. */
export type AcceptNative = (submission: NativeSubmission) => Promise<Accepted>;

/** Parses, validates, scrubs and fingerprints (pure); throws the catalogue's errors. */
export function prepareNative(submission: NativeSubmission, isSecret: KeyMatcher): PreparedReport {
  return finishReport(parseNative(submission), { isSecret, now: new Date(submission.receivedAt) });
}

/** Parses and validates, up to the parsed stack (pure); throws the catalogue's errors. */
export function parseNative({ text, requiredProject }: NativeSubmission): ParsedReport {
  let body: unknown;
  // A byte-order mark (Windows tools write one) is not part of the JSON; the app's parser skips it too.
  const json = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  if (json.trim() !== '') {
    try {
      // JSON.parse defines `__proto__` and `constructor` as plain own properties, and the scrubber
      // defines them on its copy too: they stay data. Refusing them would lose the very report of
      // an application under a prototype-pollution attack.
      body = JSON.parse(json);
    } catch (err) {
      throw errors.invalidJson((err as Error).message);
    }
  }
  // An ingest key names its project, so a report sent with one may leave `project` out (the README's
  // reporters do: they then work with whichever project's key they are given).
  if (requiredProject !== undefined && isPlainObject(body) && body.project === undefined) body = { ...body, project: requiredProject };
  const parsed = parseValidReport(parseOrThrow(reportSchema, body));
  if (requiredProject !== undefined && parsed.input.project !== requiredProject) throw errors.wrongProject(requiredProject);
  return parsed;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

export interface SentrySubmission {
  /** The event item's payload (envelope) or the body (/store/), as UTF-8 text. */
  text: string;
  /** The project whose key the request carried. */
  project: string;
  /** The envelope header's event_id, preferred to the event's own. */
  headerEventId?: unknown;
  receivedAt: number;
  /** The request's `sentry_client` (name/version): the event's sdk when it names none. */
  client?: string;
}

export interface AcceptedEvent {
  eventId: string;
  /** Null for a resend of an event id the project already stored: nothing was written. */
  result: IngestResult | null;
  /** The report as stored; absent for a resend. */
  report?: PreparedReport;
}

/** Stores a Sentry event; rejects with the catalogue's 400, or with the store's error. */
export type AcceptSentry = (submission: SentrySubmission) => Promise<AcceptedEvent>;

/** Parses a Sentry event and maps it onto a prepared report (pure); throws the catalogue's errors. */
export function prepareSentry(submission: SentrySubmission, isSecret: KeyMatcher): { report: PreparedReport; eventId: string } {
  const { parsed, eventId } = parseSentry(submission);
  return { report: finishReport(parsed, { isSecret, now: new Date(submission.receivedAt) }), eventId };
}

/** A Sentry event up to its parsed stack, with the debug IDs of its files (pure); throws the catalogue's errors. */
export function parseSentry({ text, project, headerEventId, client }: SentrySubmission): { parsed: ParsedReport; eventId: string; debugIds: ReadonlyMap<string, string> } {
  let event: unknown;
  try {
    event = JSON.parse(text);
  } catch (err) {
    throw errors.invalidEvent(`not JSON (${(err as Error).message})`);
  }
  if (event === null || typeof event !== 'object' || Array.isArray(event)) throw errors.invalidEvent('the event is not a JSON object');
  const sdk = (event as Record<string, unknown>).sdk;
  if ((sdk === null || typeof sdk !== 'object') && client !== undefined) event = { ...event, sdk: sdkOfClient(client) };
  const sentry = eventToReport(event as Record<string, unknown>, project, headerEventId);
  const details = detailsFromSentry(event as Record<string, unknown>, text.length);
  const parsed = parseValidReport(parseOrThrow(reportSchema, sentry.input), sentry.stack, sentry.grouping, details);
  return { parsed, eventId: sentry.eventId, debugIds: debugIdIndex(details.debug_images) };
}

/** Takes a report as its text: parses, prepares and stores it (one parse of the body, by the pipeline's rules). */
export interface Acceptor {
  acceptNative: AcceptNative;
  acceptSentry: AcceptSentry;
}

/** The acceptor over a store: the report joins the store's next group commit and is answered after it. */
export function createAcceptor(
  store: { ingest(report: PreparedReport): Promise<IngestResult>; ingestEvent(report: PreparedReport, eventId: string): Promise<IngestResult | null> },
  isSecret: KeyMatcher,
  /** Spike protection (quota/quotas.ts): after a report is valid, before it is stored, so only real events count. */
  quota?: { check(project: string): Promise<void> | undefined },
  /** Source maps (src/sourcemaps/): frames mapped after parsing, before grouping; absent, frames stay as sent. */
  mapReport?: MapReport,
): Acceptor {
  return {
    async acceptNative(submission) {
      const parsed = parseNative(submission);
      const refused = quota?.check(parsed.input.project);
      if (refused) await refused;
      const report = finishReport(mapReport ? await mapReport(parsed) : parsed, { isSecret, now: new Date(submission.receivedAt) });
      const result = await store.ingest(report);
      return { result, report };
    },
    async acceptSentry(submission) {
      const { parsed, eventId, debugIds } = parseSentry(submission);
      const refused = quota?.check(parsed.input.project);
      if (refused) await refused;
      const report = finishReport(mapReport ? await mapReport(parsed, debugIds) : parsed, { isSecret, now: new Date(submission.receivedAt) });
      const result = await store.ingestEvent(report, eventId);
      return result ? { eventId, result, report } : { eventId, result };
    },
  };
}
