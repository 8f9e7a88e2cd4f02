// The live bus's wire form between instances: a batch cut into NOTIFY-sized payloads, each naming the instance that sent it.
import type { ChangeBatch, GroupChange } from './types.js';

/** PostgreSQL refuses a NOTIFY payload of 8000 bytes or more; the rest is margin. */
export const MAX_PAYLOAD_BYTES = 7900;

export interface BusMessage {
  /** The sending instance: it delivered the batch to its own streams already and skips it when it comes back. */
  origin: string;
  batch: ChangeBatch;
}

const frame = (origin: string, groups: string[], more: boolean, at: string) =>
  `{"o":${JSON.stringify(origin)},"b":{"groups":[${groups.join(',')}],"more":${more},"at":${JSON.stringify(at)}}}`;

/**
 * The batch as payloads of at most `maxBytes` (UTF-8), each a whole batch of its own: a small batch
 * goes whole, a larger one in several, in order. A group too large for a payload by itself (a
 * long exception type or file name) is left out and the last payload says `more`, so clients re-read.
 */
export function encodeBatch(origin: string, batch: ChangeBatch, maxBytes = MAX_PAYLOAD_BYTES): string[] {
  // `false` is the longer of the two, so the overhead holds for either.
  const overhead = Buffer.byteLength(frame(origin, [], false, batch.at));
  const chunks: string[][] = [];
  let current: string[] = [];
  let bytes = overhead;
  let skipped = false;
  for (const g of batch.groups) {
    const json = JSON.stringify(g);
    const size = Buffer.byteLength(json);
    if (overhead + size > maxBytes) {
      skipped = true;
      continue;
    }
    if (current.length > 0 && bytes + 1 + size > maxBytes) {
      chunks.push(current);
      current = [];
      bytes = overhead;
    }
    bytes += (current.length > 0 ? 1 : 0) + size;
    current.push(json);
  }
  chunks.push(current);
  const more = batch.more || skipped;
  return chunks.map((groups, i) => frame(origin, groups, i === chunks.length - 1 && more, batch.at));
}

const isChange = (g: unknown): g is GroupChange => {
  const c = g as GroupChange;
  return typeof c === 'object' && c !== null && Number.isSafeInteger(c.id) && typeof c.project === 'string' && Number.isSafeInteger(c.count);
};

/** One payload read back; undefined for anything else on the channel (a stray NOTIFY by hand, another version). */
export function decodeBatch(payload: string): BusMessage | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(payload);
  } catch {
    return undefined;
  }
  const m = parsed as { o?: unknown; b?: { groups?: unknown; more?: unknown; at?: unknown } };
  if (typeof m !== 'object' || m === null || typeof m.o !== 'string' || typeof m.b !== 'object' || m.b === null) return undefined;
  const { groups, more, at } = m.b;
  if (!Array.isArray(groups) || !groups.every(isChange) || typeof more !== 'boolean' || typeof at !== 'string') return undefined;
  return { origin: m.o, batch: { groups, more, at } };
}
