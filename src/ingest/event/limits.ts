// How much of an event an occurrence keeps: per-field caps, then one cap on the whole (pure).
import type { EventDetails } from './types.js';

export const LIMITS = {
  /** Sentry's own cap on what the SDKs keep; the last ones are kept. */
  breadcrumbs: 100,
  tags: 100,
  tagKey: 200,
  tagValue: 200,
  /** Exceptions in one chain. */
  exceptions: 10,
  /** Frames per exception: a deeper stack keeps its outer and inner halves. */
  frames: 100,
  contextLines: 5,
  contextLine: 300,
  /** A message, an exception value. */
  text: 8192,
  /** A breadcrumb's message. */
  crumbText: 1024,
  /** A short name (level, logger, sdk, user fields). */
  name: 200,
  /** Nodes walked in one free-form value (data, contexts): deeper or wider is cut, never walked. */
  nodes: 400,
  depth: 8,
  /** The whole of one occurrence's details as JSON; see fitWithin. */
  detailsBytes: 64 * 1024,
} as const;

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);

/** A copy of a free-form JSON value, bounded in nodes, depth and string length; `__proto__` stays data. */
export function boundedValue(value: unknown, budget = { nodes: LIMITS.nodes }, depth = 0): unknown {
  if (--budget.nodes < 0) return '…';
  if (typeof value === 'string') return value.length > LIMITS.crumbText ? `${value.slice(0, LIMITS.crumbText)}…` : value;
  if (value === null || typeof value !== 'object') return typeof value === 'number' || typeof value === 'boolean' ? value : value === undefined ? null : String(value);
  if (depth >= LIMITS.depth) return '…';
  if (Array.isArray(value)) {
    const out: unknown[] = [];
    for (let i = 0; i < value.length && budget.nodes > 0; i++) out.push(boundedValue(value[i], budget, depth + 1));
    return out;
  }
  const out: Obj = {};
  for (const key in value) {
    if (!Object.hasOwn(value, key)) continue;
    if (budget.nodes <= 0) break;
    const v = boundedValue((value as Obj)[key], budget, depth + 1);
    if (key === '__proto__') Object.defineProperty(out, key, { value: v, enumerable: true, writable: true, configurable: true });
    else out[key] = v;
  }
  return out;
}

export function boundedObject(value: unknown): Obj | undefined {
  if (!isObj(value)) return undefined;
  const out = boundedValue(value) as Obj;
  for (const _ in out) return out;
  return undefined;
}

/**
 * Cuts, in this order, until the JSON fits LIMITS.detailsBytes: source context lines, breadcrumbs
 * (to the last 10), contexts, the request's data, user data, frames (to the innermost 10 per
 * exception). What is left always fits: every remaining field is capped on its own.
 */
export function fitWithin(details: EventDetails, maxBytes: number = LIMITS.detailsBytes, sourceBytes?: number): EventDetails {
  // Details come from the source's text, cut: from a small source they cannot reach the cap (keys
  // and values are kept or shortened; a numeric time becomes 24 characters, 100 of them at most;
  // escaping at most doubles a string), and the check would cost a whole JSON.stringify.
  if (sourceBytes !== undefined && sourceBytes * 2 + 4096 <= maxBytes) return details;
  const steps: Array<(d: EventDetails) => EventDetails> = [
    (d) => ({ ...d, exceptions: d.exceptions?.map((e) => ({ ...e, frames: e.frames?.map(({ pre_context: _a, post_context: _b, context_line: _c, ...f }) => f) })) }),
    (d) => ({ ...d, breadcrumbs: d.breadcrumbs?.slice(-10) }),
    (d) => ({ ...d, contexts: undefined }),
    (d) => ({ ...d, request: d.request ? { ...d.request, data: undefined } : undefined }),
    (d) => ({ ...d, user: d.user ? { ...d.user, data: undefined } : undefined }),
    (d) => ({ ...d, exceptions: d.exceptions?.map((e) => ({ ...e, frames: e.frames?.slice(-10) })) }),
    (d) => ({ ...d, breadcrumbs: undefined, request: undefined }),
  ];
  let out = details;
  for (const step of steps) {
    if (Buffer.byteLength(JSON.stringify(out)) <= maxBytes) return out;
    out = step(out);
  }
  return out;
}
