// Finds each frame's source map (by debug ID, else by URL) and maps its position in the worker; what cannot be mapped says why.
import type { Frame } from '../ingest/stack/types.js';
import type { OriginalPosition } from './protocol.js';
import type { SourceMapLookup, StoredSourceMap } from './types.js';
import type { WorkerClient } from './worker-client.js';

export type UnmappedReason =
  /** No uploaded map names this file's URL. */
  | 'no_map'
  /** The event names a debug ID no uploaded bundle has (and no map names the URL either). */
  | 'debug_id_unknown'
  /** The map has no mapping at this line and column. */
  | 'no_mapping'
  | 'map_invalid'
  | 'map_too_large'
  /** The mapping worker did not answer in time (or died). */
  | 'unavailable';

export type FrameMapping = { status: 'mapped'; original: OriginalPosition } | { status: 'unmapped'; reason: UnmappedReason };

export interface Symbolicator {
  /** One answer per frame, in order: undefined for a frame no map could be for (server code, no line). */
  mapFrames(project: string, frames: readonly Frame[], debugIds?: ReadonlyMap<string, string>, options?: { context?: boolean }): Promise<(FrameMapping | undefined)[]>;
  close(): Promise<void>;
}

/** Scripts a page loads; `app://` is what Sentry's RewriteFrames and Electron write. */
const MAPPABLE_URL = /^(?:https?|app):\/\//i;

/** Whether a map could be found for this frame at all: a lookup per server frame would be wasted work. */
export function isMappable(frame: Frame, debugIds: ReadonlyMap<string, string> | undefined): boolean {
  return frame.line !== null && (MAPPABLE_URL.test(frame.file) || debugIds?.has(frame.file) === true);
}

/** Resolved look-ups remembered: every distinct (project, file) a busy service sees, many times over. */
const MAX_RESOLVED = 10_000;

type Resolution = { cacheKey: string; by: 'debugId' | 'url' } | { cacheKey: null; reason: 'no_map' | 'debug_id_unknown' };

export interface SymbolicatorOptions {
  lookup: SourceMapLookup;
  worker: WorkerClient;
  onError?: (err: Error) => void;
}

export function createSymbolicator({ lookup, worker, onError }: SymbolicatorOptions): Symbolicator {
  // Which map a (project, debug ID or URL) has, hits and misses alike, valid until the next upload or deletion.
  const resolved = new Map<string, Resolution>();
  /** The generation `resolved` holds answers of; -1 before the first. */
  let resolvedGeneration = -1;
  const inflight = new Map<string, Promise<{ resolution: Resolution; stored: StoredSourceMap | null }>>();

  const find = async (project: string, file: string, debugId: string | undefined, generation: number): Promise<{ resolution: Resolution; stored: StoredSourceMap | null }> => {
    let stored: StoredSourceMap | null = null;
    let by: 'debugId' | 'url' = 'debugId';
    if (debugId !== undefined) stored = await lookup.byDebugId(project, debugId);
    if (stored === null && MAPPABLE_URL.test(file)) {
      stored = await lookup.byUrl(project, file);
      by = 'url';
    }
    const resolution: Resolution = stored ? { cacheKey: stored.cacheKey, by } : { cacheKey: null, reason: debugId !== undefined ? 'debug_id_unknown' : 'no_map' };
    // An upload during the look-up may have changed the answer: then it is used once, not kept.
    if (generation === resolvedGeneration && generation === (await lookup.generation())) {
      if (resolved.size >= MAX_RESOLVED) resolved.delete(resolved.keys().next().value!);
      resolved.set(keyOf(project, file, debugId), resolution);
    }
    return { resolution, stored };
  };

  /** Concurrent reports of one new file share one look-up (and one copy of its map's text). */
  const findOnce = (project: string, file: string, debugId: string | undefined, generation: number) => {
    // Not joined across generations: a report that arrived after an upload never gets the answer from before it.
    const key = `${generation}\n${keyOf(project, file, debugId)}`;
    let p = inflight.get(key);
    if (!p) {
      p = find(project, file, debugId, generation).finally(() => inflight.delete(key));
      inflight.set(key, p);
    }
    return p;
  };

  /** `generation` was read after the report arrived: answers of an older generation are dropped (the generation never goes down). */
  const resolve = async (project: string, file: string, debugId: string | undefined, generation: number) => {
    if (generation > resolvedGeneration) {
      resolved.clear();
      resolvedGeneration = generation;
    }
    const known = resolved.get(keyOf(project, file, debugId));
    if (known) return { resolution: known, stored: null };
    return findOnce(project, file, debugId, generation);
  };

  /** Maps the positions of one file: with the text when it is in hand, else asked again for it if the worker lacks the map. */
  const mapPositions = async (project: string, file: string, debugId: string | undefined, frames: readonly Frame[], context: boolean, generation: Promise<number>): Promise<FrameMapping[]> => {
    let { resolution, stored } = await resolve(project, file, debugId, await generation);
    const none = (r: Resolution & { cacheKey: null }): FrameMapping[] => frames.map(() => ({ status: 'unmapped', reason: r.reason }));
    if (resolution.cacheKey === null) return none(resolution);
    const positions = frames.map((f) => ({ line: f.line!, column: f.column ?? 0 }));
    let answer = await worker.request({ cacheKey: resolution.cacheKey, text: stored?.map, positions, context });
    if (answer.kind === 'need-text') {
      ({ resolution, stored } = await findOnce(project, file, debugId, await generation));
      if (resolution.cacheKey === null) return none(resolution);
      answer = await worker.request({ cacheKey: resolution.cacheKey, text: stored?.map, positions, context });
    }
    if (answer.kind === 'ok') return answer.results.map((original) => (original ? { status: 'mapped', original } : { status: 'unmapped', reason: 'no_mapping' }));
    const reason: UnmappedReason = answer.kind === 'invalid' ? answer.reason : 'unavailable';
    return frames.map(() => ({ status: 'unmapped', reason }));
  };

  return {
    async mapFrames(project, frames, debugIds, options) {
      const out: (FrameMapping | undefined)[] = new Array(frames.length).fill(undefined);
      // One request per file: a trace's frames mostly sit in one bundle.
      const byFile = new Map<string, number[]>();
      frames.forEach((f, i) => {
        if (!isMappable(f, debugIds)) return;
        const list = byFile.get(f.file);
        if (list) list.push(i);
        else byFile.set(f.file, [i]);
      });
      if (byFile.size === 0) return out;
      // Read once per report, for all its files: on PostgreSQL a round trip (shared with concurrent reports).
      const generation = (async () => lookup.generation())();
      generation.catch(() => {}); // each file's mapping below reports a failure
      await Promise.all(
        [...byFile].map(async ([file, indexes]) => {
          let results: FrameMapping[];
          try {
            results = await mapPositions(project, file, debugIds?.get(file), indexes.map((i) => frames[i]!), options?.context ?? true, generation);
          } catch (err) {
            // A failing artifact store costs the mapping, never the report.
            onError?.(err as Error);
            results = indexes.map(() => ({ status: 'unmapped', reason: 'unavailable' }));
          }
          indexes.forEach((frameIndex, k) => (out[frameIndex] = results[k]));
        }),
      );
      return out;
    },
    close: () => worker.close(),
  };
}

function keyOf(project: string, file: string, debugId: string | undefined): string {
  return `${project}\n${debugId ?? ''}\n${file}`;
}
