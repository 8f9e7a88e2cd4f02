// Tool results sized for a model's context: every long field capped, with a note saying what was cut.
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { boundJson, cutText, cutTraceback } from '../ingest/limits.js';

/** The caps, in characters. A result's text and its structured content each stay under RESULT_MAX. */
export const CAPS = {
  result: 24_000,
  message: 1_000,
  listMessage: 200,
  traceback: 4_000,
  breadcrumbs: 20,
  breadcrumbMessage: 200,
  breadcrumbData: 200,
  sourceLine: 200,
  sourceLines: 5,
  chainExceptions: 4,
  chainFrames: 6,
  frame: 200,
  json: 1_500,
  smallJson: 400,
  tagKeys: 20,
} as const;

/** The cuts made while building one result; they end up in it, for the model and for whoever reads along. */
export class Notes {
  private readonly counts = new Map<string, number>();
  add(note: string): void {
    this.counts.set(note, (this.counts.get(note) ?? 0) + 1);
  }
  /** Each note once, with how often it applied when more than once. */
  get list(): string[] {
    return [...this.counts].map(([note, n]) => (n === 1 ? note : `${note} (${n} times)`));
  }
  text(value: string, max: number, what: string): string {
    if (value.length <= max) return value;
    this.add(`${what} cut from ${value.length} to ${max} characters`);
    return cutText(value, max);
  }
  nullableText(value: unknown, max: number, what: string): string | null {
    return typeof value === 'string' ? this.text(value, max, what) : null;
  }
  traceback(value: string, max: number): string {
    if (value.length <= max) return value;
    this.add(`traceback cut from ${value.length} to ${max} characters (head and tail kept; GET /api/errors/:id has it whole)`);
    return cutTraceback(value, max);
  }
  /** Any JSON value bounded to `max` characters of JSON (objects through the store's own cutter). */
  json(value: unknown, max: number, what: string): unknown {
    if (value === null || value === undefined) return value ?? null;
    const json = JSON.stringify(value);
    if (json.length <= max) return value;
    this.add(`${what} cut from ${json.length} to about ${max} characters of JSON`);
    if (typeof value === 'object' && !Array.isArray(value)) return boundJson(value as Record<string, unknown>, max).value;
    return cutText(json, max);
  }
}

/** A successful result: concise text for the model, the same facts as structured content. */
export function toolResult(text: string, structured: Record<string, unknown>, notes: Notes): CallToolResult {
  const list = notes.list;
  const content = list.length ? { ...structured, notes: list } : structured;
  const fitted = fitJson(content);
  const noteText = list.length ? `\n\nNotes: ${list.join('; ')}.` : '';
  let full = text + noteText;
  if (full.length > CAPS.result) full = cutText(text, CAPS.result - noteText.length - 80) + '\n[text cut to fit the result size cap]' + noteText;
  return { content: [{ type: 'text', text: full }], structuredContent: fitted };
}

export function toolError(message: string): CallToolResult {
  return { content: [{ type: 'text', text: message }], isError: true };
}

/**
 * The last guard: per-field caps keep results small, and should they add up past RESULT_MAX the
 * largest fields are replaced, one by one, with a note.
 */
function fitJson(content: Record<string, unknown>): Record<string, unknown> {
  let out = content;
  for (let i = 0; i < 20 && JSON.stringify(out).length > CAPS.result; i++) {
    const [key] = Object.entries(out)
      .filter(([k]) => k !== 'notes')
      .map(([k, v]) => [k, JSON.stringify(v)?.length ?? 0] as const)
      .sort((a, b) => b[1] - a[1])[0]!;
    const notes = [...((out.notes as string[] | undefined) ?? []), `${key} cut further: the result would exceed ${CAPS.result} characters`];
    out = { ...out, [key]: JSON.parse(JSON.stringify(boundJson({ v: out[key] }, Math.floor(CAPS.result / 4)).value.v ?? null)), notes };
  }
  return out;
}
