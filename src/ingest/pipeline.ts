// The ingest pipeline: validate, scrub, parse the stack, fingerprint -> a PreparedReport (pure).
import type { PreparedReport, Source } from '../store/types.js';
import { parseOrThrow } from '../validation.js';
import { detailsFromNative } from './event/native-fields.js';
import { scrubDetails } from './event/scrub-details.js';
import type { EventDetails } from './event/types.js';
import { fingerprint } from './fingerprint.js';
import { capReport } from './limits.js';
import { messageFingerprint, minifiedColumn } from './grouping/index.js';
import { reportSchema, type ReportInput } from './report-schema.js';
import { scrubObject, scrubUrl, type KeyMatcher } from './scrub.js';
import { createStackCache } from './stack/cache.js';
import { pickCrashFrame } from './stack/parse.js';
import type { Frame, ParsedStack } from './stack/types.js';

export interface PipelineOptions {
  isSecret: KeyMatcher;
  /** Time of receipt. */
  now: Date;
}

/** Shared by every app in the process: a pure function's memo, whose results never depend on who asks. */
const parseTraceback = createStackCache();

/** A clock a minute fast on the client must not pin a group to the top of the list for years. */
const MAX_CLOCK_SKEW_MS = 60_000;

/** Validates an untrusted body and turns it into what the store writes; throws the catalogue's 400. */
export function prepareReport(body: unknown, options: PipelineOptions): PreparedReport {
  return prepareValidReport(parseOrThrow(reportSchema, body), options);
}

/** What the grouping rules (src/ingest/grouping/) decided from a structured event. */
export interface Grouping {
  /** The crash frame, when picked by more than the spec's rule (Go panics); null: none. */
  crash?: Frame | null;
  /** Set for a message event: grouped by this template unless the client sent its own fingerprint. */
  messageTemplate?: string;
  /** The crash frame as the trace gave it, when `crash` is its source-mapped original (src/sourcemaps/). */
  mappedFrom?: Frame;
}

/** A report after parsing, before grouping: where the async steps (source maps) work. */
export interface ParsedReport {
  input: ReportInput;
  /** As the trace gave it; innermost first. */
  stack: ParsedStack;
  grouping?: Grouping;
  details?: EventDetails;
}

/** Validates nothing: the well-formed input and its parsed stack (pure, cached). */
export function parseValidReport(given: ReportInput, stack?: ParsedStack, grouping?: Grouping, details?: EventDetails): ParsedReport {
  const input = wellFormedText(given);
  return { input, stack: stack ?? parseTraceback(input.traceback ?? ''), grouping, details };
}

/** `stack` is given when the client sent structured frames (Sentry events); otherwise the traceback is parsed. */
export function prepareValidReport(given: ReportInput, options: PipelineOptions, stack?: ParsedStack, grouping?: Grouping, details?: EventDetails): PreparedReport {
  return finishReport(parseValidReport(given, stack, grouping, details), options);
}

/** Grouping, scrubbing and capping of a parsed report (pure). */
export function finishReport({ input, stack, grouping, details }: ParsedReport, { isSecret, now }: PipelineOptions): PreparedReport {
  const traceback = input.traceback ?? '';
  const crash = grouping?.crash !== undefined ? grouping.crash : pickCrashFrame(stack.frames);
  const file = crash?.file ?? '';
  const line = crash?.line ?? null;
  const event = details ?? detailsFromNative(input);
  // Grouped on the whole text, stored cut to the limits (ingest/limits.ts).
  return capReport({
    fingerprint:
      input.fingerprint === undefined && grouping?.messageTemplate !== undefined
        ? messageFingerprint(input.project, grouping.messageTemplate)
        : fingerprint({
            project: input.project,
            exceptionType: input.exception_type,
            file,
            line,
            column: grouping?.mappedFrom ? null : minifiedColumn(crash),
            override: input.fingerprint,
          }),
    project: input.project,
    exceptionType: input.exception_type,
    message: input.message ?? '',
    traceback,
    file,
    line,
    function: crash?.function ?? '',
    // Where it ran is told by the trace as sent: a mapped file is a source path, not the page's URL.
    source: input.source ?? detectSource(stack, grouping?.mappedFrom?.file ?? file),
    timestamp: occurrenceTime(input.timestamp, now),
    requestUrl: input.request_url === undefined ? null : scrubUrl(input.request_url, isSecret),
    requestMethod: input.request_method?.toUpperCase() ?? null,
    requestHeaders: input.request_headers === undefined ? null : scrubObject(input.request_headers, isSecret),
    userId: input.user_id ?? input.user?.id ?? input.user?.email ?? null,
    extra: input.extra === undefined ? null : scrubObject(input.extra, isSecret),
    release: input.release ?? null,
    environment: input.environment ?? null,
    details: event === null ? null : scrubDetails(event, isSecret),
  });
}

/** Firefox and Safari only run in browsers; a crash frame served over http(s) is a page's script. */
export function detectSource(stack: ParsedStack, crashFile: string): Source {
  if (stack.format === 'firefox' || stack.format === 'safari') return 'browser';
  return /^https?:\/\//i.test(crashFile) ? 'browser' : 'server';
}

function occurrenceTime(given: string | undefined, now: Date): string {
  if (given === undefined) return now.toISOString();
  const t = Date.parse(given);
  return t > now.getTime() + MAX_CLOCK_SKEW_MS ? now.toISOString() : new Date(t).toISOString();
}

/**
 * A lone UTF-16 surrogate (`"\ud800"` is valid JSON) cannot be stored as UTF-8: SQLite would keep
 * bytes that read back as three U+FFFD, so the name a group is filed under would not match the one
 * reported. Replaced by one U+FFFD up front, the text reads back exactly as it is grouped.
 */
function wellFormedText(input: ReportInput): ReportInput {
  // Copied only when a field needs it: almost every report is already well formed.
  let out: Record<string, unknown> | undefined;
  for (const [key, value] of Object.entries(input)) {
    if (typeof value === 'string' && !(value as WellFormable).isWellFormed()) {
      out ??= { ...input };
      out[key] = (value as WellFormable).toWellFormed();
    }
  }
  return (out ?? input) as ReportInput;
}

/** String.prototype.toWellFormed is in Node 20; the ES2023 typings we compile against predate it. */
type WellFormable = string & { isWellFormed(): boolean; toWellFormed(): string };
