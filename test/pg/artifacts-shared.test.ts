// Source maps on two PostgreSQL stores with separate pools (two instances, as far as the database can tell): chunks, the generation, cached look-ups and retention shared exactly.
import { afterAll, afterEach, beforeAll, expect, inject, it } from 'vitest';
import { parseStack } from '../../src/ingest/stack/parse.js';
import { ARTIFACT_RETENTION_LOCK } from '../../src/store/pg/artifacts.js';
import { openPgStores, type PgStores } from '../../src/store/pg/index.js';
import { createSymbolicator, type Symbolicator } from '../../src/sourcemaps/symbolicator.js';
import { createWorkerClient } from '../../src/sourcemaps/worker-client.js';
import { buildApp, ERRORS, v8Trace, type Bundle } from '../sourcemaps/fixture-app.js';
import { createDatabase } from './postgres-server.js';

let a: PgStores;
let b: PgStores;
let app: Bundle;
let symbolicator: Symbolicator | undefined;
beforeAll(async () => {
  const url = await createDatabase(inject('pgAdminUrl'), { migrated: true });
  [a, b] = [openPgStores(url, { max: 4 }), openPgStores(url, { max: 4 })];
  app = await buildApp();
}, 60_000);
afterEach(() => symbolicator?.close());
afterAll(async () => {
  await Promise.all([a.store.end(), b.store.end()]);
});

it('chunks stored through one instance are found and read by the other, and used up by its assembly', async () => {
  const chunk = { checksum: '1'.repeat(40), data: Buffer.from('part of a bundle') };
  await a.artifactStore.putChunks([chunk]);
  expect(await b.artifactStore.missingChunks([chunk.checksum])).toEqual([]);
  expect(await b.artifactStore.readChunks([chunk.checksum])).toEqual([chunk.data]);
  await b.artifactStore.saveBundle({ projects: ['chunks'], checksum: '2'.repeat(40), bundleId: null, release: null, dist: null, files: 1, maps: [], chunks: [chunk.checksum] });
  expect(await a.artifactStore.missingChunks([chunk.checksum])).toEqual([chunk.checksum]);
  expect(await a.artifactStore.projectsWithBundle('2'.repeat(40), ['chunks'])).toEqual(['chunks']);
});

it("an upload through one instance ends the other's cached miss: its next report is mapped", { timeout: 60_000 }, async () => {
  symbolicator = createSymbolicator({ lookup: a.sourceMaps, worker: createWorkerClient({ cacheBytes: 8 * 1024 * 1024, contextLines: 2, timeoutMs: 20_000 }) });
  const frames = parseStack(v8Trace(app, `https://cdn.example.com/assets/${app.file}`, 'addBrokenItem').stack).frames;
  const crash = async () => (await symbolicator!.mapFrames('web', frames))[0];
  expect(await crash()).toEqual({ status: 'unmapped', reason: 'no_map' });
  const before = await a.sourceMaps.generation();
  await b.artifactStore.saveBundle({
    projects: ['web'],
    checksum: '3'.repeat(40),
    bundleId: null,
    release: '1.0',
    dist: null,
    files: 2,
    maps: [{ debugId: null, url: `~/assets/${app.file}`, urlPath: `/assets/${app.file}`, map: app.map }],
    chunks: [],
  });
  expect(await a.sourceMaps.generation()).toBeGreaterThan(before);
  expect(await crash()).toMatchObject({ status: 'mapped', original: { line: ERRORS.addBrokenItem.line } });
});

it('reports asking for the generation at once share one read', async () => {
  let queries = 0;
  const query = a.pool.query.bind(a.pool);
  a.pool.query = ((...args: Parameters<typeof query>) => {
    queries++;
    return query(...args);
  }) as typeof a.pool.query;
  try {
    const answers = await Promise.all(Array.from({ length: 50 }, () => a.sourceMaps.generation()));
    expect(new Set(answers).size).toBe(1);
    expect(queries).toBe(1);
  } finally {
    a.pool.query = query;
  }
});

it('cleans up source maps on one instance at a time: while another holds the lock, a cleanup skips its turn', async () => {
  await a.artifactStore.saveBundle({ projects: ['old'], checksum: '4'.repeat(40), bundleId: null, release: null, dist: null, files: 1, maps: [], chunks: [] });
  const policy = { bundlesBefore: '2999-01-01T00:00:00.000Z', keepReleases: 0, chunksBefore: '2000-01-01T00:00:00.000Z' };
  const holder = await b.pool.connect();
  try {
    await holder.query('SELECT pg_advisory_lock($1)', [ARTIFACT_RETENTION_LOCK]);
    expect(await a.artifactStore.cleanupArtifacts(policy)).toEqual({ bundlesDeleted: 0, chunksDeleted: 0 });
    await holder.query('SELECT pg_advisory_unlock($1)', [ARTIFACT_RETENTION_LOCK]);
  } finally {
    holder.release();
  }
  expect((await a.artifactStore.cleanupArtifacts(policy)).bundlesDeleted).toBeGreaterThanOrEqual(1);
  expect((await b.artifactStore.usage()).get('old')).toBeUndefined();
});
