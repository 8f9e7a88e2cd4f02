// A native report from its JSON text to a stored group: the whole ingest path after HTTP, wherever it runs.
import { errors } from '../errors.js';
import type { IngestResult, PreparedReport } from '../store/types.js';
import { prepareReport } from './pipeline.js';
import type { KeyMatcher } from './scrub.js';

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
  /** Only for a new group or a regression, the reports anyone downstream (alerts) acts on. */
  report?: PreparedReport;
}

/** Stores a native report; rejects with the catalogue's 400/403, or with the store's error. */
export type AcceptNative = (submission: NativeSubmission) => Promise<Accepted>;

/** Parses, validates, scrubs and fingerprints (pure); throws the catalogue's errors. */
export function prepareNative({ text, receivedAt, requiredProject }: NativeSubmission, isSecret: KeyMatcher): PreparedReport {
  let body: unknown;
  if (text.trim() !== '') {
    try {
      // JSON.parse defines `__proto__` and `constructor` as plain own properties, and the scrubber
      // copies with Object.fromEntries: they stay data. Refusing them would lose the very report of
      // an application under a prototype-pollution attack.
      body = JSON.parse(text);
    } catch (err) {
      throw errors.invalidJson((err as Error).message);
    }
  }
  const report = prepareReport(body, { isSecret, now: new Date(receivedAt) });
  if (requiredProject !== undefined && report.project !== requiredProject) throw errors.wrongProject(requiredProject);
  return report;
}

/** The in-process path (tests, in-memory databases): the same steps, on the calling thread. */
export function acceptInProcess(ingest: (report: PreparedReport) => Promise<IngestResult>, isSecret: KeyMatcher): AcceptNative {
  return async (submission) => {
    const report = prepareNative(submission, isSecret);
    const result = await ingest(report);
    return result.created || result.regression ? { result, report } : { result };
  };
}
