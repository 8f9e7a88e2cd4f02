// The symbolicator and the upload generation, answered asynchronously as PostgreSQL does: a report that arrives after an upload never gets an answer from before it.
import { afterEach, beforeAll, expect, it } from 'vitest';
import { parseStack } from '../../src/ingest/stack/parse.js';
import { createSymbolicator, type Symbolicator } from '../../src/sourcemaps/symbolicator.js';
import type { SourceMapLookup } from '../../src/sourcemaps/types.js';
import { createWorkerClient } from '../../src/sourcemaps/worker-client.js';
import { buildApp, ERRORS, v8Trace, type Bundle } from './fixture-app.js';
import { memoryLookup } from './memory-lookup.js';

let app: Bundle;
let symbolicator: Symbolicator | undefined;
beforeAll(async () => {
  app = await buildApp();
});
afterEach(() => symbolicator?.close());

const url = () => `https://cdn.example.com/assets/${app.file}`;

it('a report after an upload does not join a look-up begun before it, and the older answer is not kept', { timeout: 60_000 }, async () => {
  const memory = memoryLookup();
  let hold: Promise<void> | null = null;
  let entered: (() => void) | null = null;
  // As PostgreSQL answers: the generation asynchronously; look-ups that can be held in flight.
  const lookup: SourceMapLookup = {
    byDebugId: (p, id) => memory.byDebugId(p, id),
    async byUrl(project, u) {
      const answer = await memory.byUrl(project, u);
      entered?.();
      await hold;
      return answer;
    },
    generation: async () => memory.generation(),
  };
  symbolicator = createSymbolicator({ lookup, worker: createWorkerClient({ cacheBytes: 8 * 1024 * 1024, contextLines: 2, timeoutMs: 20_000 }) });
  const frames = parseStack(v8Trace(app, url(), 'addBrokenItem').stack).frames;
  const crash = async () => (await symbolicator!.mapFrames('web', frames))[0];

  let release!: () => void;
  hold = new Promise<void>((resolve) => (release = resolve));
  const reached = new Promise<void>((resolve) => (entered = resolve));
  const before = crash();
  // The first report's look-up has read "no map" and is held; the map is uploaded meanwhile.
  await reached;
  entered = null;
  memory.add('web', app.map, { url: `~/assets/${app.file}` });
  hold = null;
  const after = await crash();
  expect(after).toMatchObject({ status: 'mapped', original: { line: ERRORS.addBrokenItem.line } });
  release();
  expect(await before).toEqual({ status: 'unmapped', reason: 'no_map' });
  // The held answer was from before the upload: not remembered.
  expect(await crash()).toMatchObject({ status: 'mapped' });
});
