// An in-memory SourceMapLookup for tests of mapping (the artifact store's own one is covered by the end-to-end test).
import type { SourceMapLookup, StoredSourceMap } from '../../src/sourcemaps/types.js';

export interface MemoryLookup extends SourceMapLookup {
  /** Uploads a map under a manifest URL (`~/assets/app.js`) and/or a debug ID. */
  add(project: string, map: string, where: { url?: string; debugId?: string }): void;
  /** Every look-up made, as `byUrl:<url>` or `byDebugId:<id>`. */
  calls: string[];
}

/** The path of a URL, as the manifest's `~/path` names it. */
const pathOf = (url: string) => (url.startsWith('~/') ? url.slice(1) : new URL(url).pathname);

export function memoryLookup(): MemoryLookup {
  const maps: Array<StoredSourceMap & { project: string }> = [];
  let generation = 0;
  const calls: string[] = [];
  return {
    calls,
    add(project, map, { url, debugId }) {
      generation++;
      maps.unshift({ project, map, url: url ?? null, debugId: debugId ?? null, cacheKey: `upload-${generation}` });
    },
    async byDebugId(project, debugId) {
      calls.push(`byDebugId:${debugId}`);
      return maps.find((m) => m.project === project && m.debugId === debugId) ?? null;
    },
    async byUrl(project, url) {
      calls.push(`byUrl:${url}`);
      return maps.find((m) => m.project === project && m.url !== null && pathOf(m.url) === pathOf(url)) ?? null;
    },
    generation: () => generation,
  };
}
