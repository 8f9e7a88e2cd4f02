// Sentry envelope grammar: one JSON header line, then items of JSON header + payload (pure).
import { errors } from '../../errors.js';

export interface EnvelopeItem {
  type: string;
  header: Record<string, unknown>;
  payload: Buffer;
}

export interface Envelope {
  header: Record<string, unknown>;
  items: EnvelopeItem[];
}

const LF = 0x0a;

/**
 * Items per envelope. SDKs send an event with a few attachments, a session or a client report;
 * Relay itself refuses more than 100 sessions in one. Past this the envelope is refused (413)
 * rather than walked item by item.
 */
export const MAX_ENVELOPE_ITEMS = 1000;
/** An item header, or the envelope header read before a key is known: a few hundred bytes in practice. */
export const MAX_HEADER_LINE_BYTES = 8 * 1024;

/** The envelope header line as an object, or null when it is not one (pure). */
export function parseHeaderLine(line: Buffer): Record<string, unknown> | null {
  return parseObject(line);
}

/**
 * Items may declare `length` (bytes) or run to the next newline; the final newline is optional.
 * Unknown item types are kept for the caller to skip. An item header that is not JSON (or longer
 * than MAX_HEADER_LINE_BYTES, so never parsed) ends parsing and keeps what came before: hand-written
 * tunnels mangle binary payloads, and the event usually comes first.
 */
export function parseEnvelope(body: Buffer): Envelope {
  let pos = 0;
  const readLine = (): Buffer => {
    const end = body.indexOf(LF, pos);
    const line = body.subarray(pos, end < 0 ? body.length : end);
    pos = end < 0 ? body.length : end + 1;
    return line;
  };

  const headerLine = readLine();
  if (headerLine.toString('utf8').trim() === '') throw errors.invalidEnvelope('the body is empty, or its header line is');
  const header = parseObject(headerLine);
  if (header === null) throw errors.invalidEnvelope('the envelope header is not a JSON object');

  const items: EnvelopeItem[] = [];
  while (pos < body.length) {
    const line = readLine();
    if (line.length === 0 || (line.length === 1 && line[0] === 0x0d)) {
      if (pos >= body.length) break; // the optional final newline
      throw errors.invalidEnvelope('an empty line where an item header was expected');
    }
    if (items.length === MAX_ENVELOPE_ITEMS) throw errors.tooManyItems(MAX_ENVELOPE_ITEMS);
    const itemHeader = line.length > MAX_HEADER_LINE_BYTES ? null : parseObject(line);
    if (itemHeader === null) break;
    const type = typeof itemHeader.type === 'string' ? itemHeader.type : '';
    const length = itemHeader.length;
    let payload: Buffer;
    if (typeof length === 'number' && Number.isInteger(length) && length >= 0) {
      if (pos + length > body.length) throw errors.invalidEnvelope(`item '${type}' declares ${length} bytes, fewer remain`);
      payload = body.subarray(pos, pos + length);
      pos += length;
      if (pos < body.length) {
        if (body[pos] !== LF) throw errors.invalidEnvelope(`item '${type}' is longer than its declared length`);
        pos += 1;
      }
    } else {
      payload = readLine();
    }
    items.push({ type, header: itemHeader, payload });
  }
  return { header, items };
}

function parseObject(line: Buffer): Record<string, unknown> | null {
  try {
    const v: unknown = JSON.parse(line.toString('utf8'));
    return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}
