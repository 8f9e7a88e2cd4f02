// The mapping worker: parses source maps and maps positions off the main thread, keeping parsed maps in a byte-bounded cache.
import { parentPort, workerData } from 'node:worker_threads';
import { AnyMap, traceSegment, type TraceMap } from '@jridgewell/trace-mapping';
import { estimateBytes, type MapRequest, type MapResponse, type OriginalPosition, type SourceContext, type WorkerSettings } from './protocol.js';

interface Parsed {
  map: TraceMap | null;
  invalid?: 'map_invalid' | 'map_too_large';
  /** Estimated memory held (see estimateBytes). */
  bytes: number;
  /** sourcesContent split into lines, per source index, made on first use. */
  lines: Map<number, string[]>;
}

const settings = workerData as WorkerSettings;
const cache = new Map<string, Parsed>();
let cachedBytes = 0;

function remember(key: string, entry: Parsed): void {
  while (cache.size > 0 && cachedBytes + entry.bytes > settings.cacheBytes) {
    const [oldestKey, oldest] = cache.entries().next().value!;
    cache.delete(oldestKey);
    cachedBytes -= oldest.bytes;
  }
  cache.set(key, entry);
  cachedBytes += entry.bytes;
}

/** A map bigger than half the cache would evict everything else and be evicted next: refused once, remembered. */
function parse(text: string): Parsed {
  const refused = (invalid: 'map_invalid' | 'map_too_large'): Parsed => ({ map: null, invalid, bytes: 64, lines: new Map() });
  if (text.length > settings.cacheBytes / 2) return refused('map_too_large');
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return refused('map_invalid');
  }
  const isObject = json !== null && typeof json === 'object' && !Array.isArray(json);
  const sections = isObject && Array.isArray((json as { sections?: unknown }).sections);
  const mappings = isObject ? (json as { mappings?: unknown }).mappings : undefined;
  if (!isObject || (!sections && typeof mappings !== 'string')) return refused('map_invalid');
  try {
    const map = new AnyMap(json as ConstructorParameters<typeof AnyMap>[0]);
    // Decoded now, in the worker, so no later lookup pays for it; a bad VLQ string fails here.
    traceSegment(map, 0, 0);
    const bytes = estimateBytes(text.length, typeof mappings === 'string' ? mappings.length : text.length);
    if (bytes > settings.cacheBytes / 2) return refused('map_too_large');
    return { map, bytes, lines: new Map() };
  } catch {
    return refused('map_invalid');
  }
}

function linesOf(entry: Parsed, sourceIndex: number): string[] | undefined {
  let lines = entry.lines.get(sourceIndex);
  if (lines) return lines;
  const content = entry.map!.sourcesContent?.[sourceIndex];
  if (typeof content !== 'string') return undefined;
  lines = content.split(/\r?\n/);
  // A file's last newline ends its last line; it does not start another.
  if (lines.length > 1 && lines.at(-1) === '') lines.pop();
  entry.lines.set(sourceIndex, lines);
  // Charged like the rest: the lines are new strings beside the content they were cut from.
  entry.bytes += content.length + 16 * lines.length;
  cachedBytes += content.length + 16 * lines.length;
  return lines;
}

/** Long lines (a minified dependency's source) are cut: context is for reading, not for storing bundles. */
const MAX_CONTEXT_LINE = 300;
const clip = (line: string) => (line.length > MAX_CONTEXT_LINE ? `${line.slice(0, MAX_CONTEXT_LINE)}…` : line);

function contextOf(entry: Parsed, sourceIndex: number, line: number): SourceContext | undefined {
  const lines = linesOf(entry, sourceIndex);
  if (!lines || line < 1 || line > lines.length) return undefined;
  const n = settings.contextLines;
  return {
    pre: lines.slice(Math.max(0, line - 1 - n), line - 1).map(clip),
    line: clip(lines[line - 1]!),
    post: lines.slice(line, line + n).map(clip),
  };
}

function originalOf(entry: Parsed, line: number, column: number, withContext: boolean): OriginalPosition | null {
  const map = entry.map!;
  // Traces count columns from 1, maps from 0; a trace without a column points at the line's start.
  const segment = traceSegment(map, line - 1, Math.max(0, column - 1));
  if (!segment || segment.length < 4) return null;
  const sourceIndex = segment[1]!;
  const source = map.resolvedSources[sourceIndex] ?? map.sources[sourceIndex];
  if (typeof source !== 'string') return null;
  const original: OriginalPosition = {
    source,
    line: segment[2]! + 1,
    column: segment[3]! + 1,
    name: segment.length === 5 ? (map.names[segment[4]!] ?? null) : null,
  };
  const context = withContext ? contextOf(entry, sourceIndex, original.line) : undefined;
  if (context) original.context = context;
  return original;
}

function handle(request: MapRequest): MapResponse {
  let entry = cache.get(request.cacheKey);
  if (entry) {
    cache.delete(request.cacheKey);
    cache.set(request.cacheKey, entry);
  } else {
    if (request.text === undefined) return { id: request.id, kind: 'need-text' };
    entry = parse(request.text);
    remember(request.cacheKey, entry);
  }
  if (entry.invalid) return { id: request.id, kind: 'invalid', reason: entry.invalid };
  return { id: request.id, kind: 'ok', results: request.positions.map((p) => originalOf(entry, p.line, p.column, request.context !== false)) };
}

parentPort!.on('message', (request: MapRequest) => {
  parentPort!.postMessage(handle(request));
});
