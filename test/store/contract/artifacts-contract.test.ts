// The artifact store's and source-map lookup's contract (migration 013), run against SQLite and a real PostgreSQL.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ArtifactMap, NewArtifactBundle } from '../../../src/store/types.js';
import { BACKENDS, openBackend, type Backend } from './backends.js';

const T0 = '2026-03-01T12:00:00.000Z';
const DAY = 86_400_000;
const debugId = (n: number) => `00000000-0000-4000-8000-${n.toString(16).padStart(12, '0')}`;
const map = (name: string): ArtifactMap => ({ debugId: null, url: `~/assets/${name}.min.js`, urlPath: `/assets/${name}.min.js`, map: JSON.stringify({ version: 3, file: name }) });
const bundle = (checksum: string, over: Partial<NewArtifactBundle> = {}): NewArtifactBundle => ({
  projects: ['web'],
  checksum,
  bundleId: null,
  release: null,
  dist: null,
  files: 2,
  maps: [map(checksum)],
  chunks: [],
  ...over,
});

describe.each(BACKENDS)('artifact store contract on %s', (name) => {
  let b: Backend;
  const clock = { now: new Date(T0) };
  beforeEach(async () => {
    clock.now = new Date(T0);
    b = await openBackend(name, () => new Date(clock.now));
  });
  afterEach(() => b.close());

  it('keeps chunks until an assembly uses them up: missing ones named, bytes read back in the order asked, stored once', async () => {
    const x = { checksum: 'a'.repeat(40), data: Buffer.from([0, 1, 2, 255]) };
    const y = { checksum: 'b'.repeat(40), data: Buffer.alloc(70_000, 7) };
    expect(await b.artifactStore.missingChunks([x.checksum, y.checksum, x.checksum])).toEqual([x.checksum, y.checksum]);
    await b.artifactStore.putChunks([x]);
    await Promise.all([b.artifactStore.putChunks([y, x]), b.artifactStore.putChunks([x, y])]);
    expect(await b.artifactStore.missingChunks([x.checksum, y.checksum])).toEqual([]);
    expect(await b.artifactStore.readChunks([y.checksum, x.checksum, y.checksum])).toEqual([y.data, x.data, y.data]);
    expect(await b.artifactStore.readChunks([x.checksum, 'c'.repeat(40)])).toBeNull();
    await b.artifactStore.deleteChunks([x.checksum]);
    expect(await b.artifactStore.missingChunks([x.checksum, y.checksum])).toEqual([x.checksum]);
  });

  it('stores a bundle per project, found by debug ID and URL path, newest upload first; usage counts it; the generation moves', async () => {
    const chunk = { checksum: 'c'.repeat(40), data: Buffer.from('zip') };
    await b.artifactStore.putChunks([chunk]);
    const g0 = await b.sourceMaps.generation();
    const first: ArtifactMap = { debugId: debugId(1), url: '~/assets/app.min.js', urlPath: '/assets/app.min.js', map: '{"version":3,"n":1}' };
    await b.artifactStore.saveBundle(bundle('1'.repeat(40), { projects: ['web', 'admin'], maps: [first], chunks: [chunk.checksum], release: '1.0' }));
    const g1 = await b.sourceMaps.generation();
    expect(g1).toBeGreaterThan(g0);
    expect(await b.artifactStore.missingChunks([chunk.checksum])).toEqual([chunk.checksum]);
    expect(await b.artifactStore.projectsWithBundle('1'.repeat(40), ['admin', 'shop', 'web'])).toEqual(['admin', 'web']);

    const byId = await b.sourceMaps.byDebugId('web', debugId(1).toUpperCase());
    expect(byId).toMatchObject({ map: first.map, url: first.url, debugId: debugId(1) });
    expect(await b.sourceMaps.byDebugId('web', `{${debugId(1)}}`)).toBeNull();
    expect(await b.sourceMaps.byDebugId('shop', debugId(1))).toBeNull();
    const byUrl = await b.sourceMaps.byUrl('web', 'https://cdn.example.com/assets/app.min.js?v=3#x');
    expect(byUrl?.cacheKey).toBe(byId!.cacheKey);
    expect((await b.sourceMaps.byUrl('admin', 'https://x/assets/app.min.js'))?.cacheKey).not.toBe(byId!.cacheKey);
    expect(await b.sourceMaps.byUrl('web', 'https://cdn.example.com/other.js')).toBeNull();

    // A rebuild of the same file: the newer map wins for the URL; the old one keeps its debug ID.
    clock.now = new Date(Date.parse(T0) + 60_000);
    const second: ArtifactMap = { ...first, debugId: debugId(2), map: '{"version":3,"n":2}' };
    await b.artifactStore.saveBundle(bundle('2'.repeat(40), { maps: [second], release: '1.1' }));
    expect((await b.sourceMaps.byUrl('web', 'https://x/assets/app.min.js'))?.map).toBe(second.map);
    expect((await b.sourceMaps.byDebugId('web', debugId(1)))?.map).toBe(first.map);
    expect(await b.sourceMaps.generation()).toBeGreaterThan(g1);

    const usage = await b.artifactStore.usage();
    expect(usage.get('web')).toEqual({ bundles: 2, bytes: Buffer.byteLength(first.map) + Buffer.byteLength(second.map) });
    expect(usage.get('admin')).toEqual({ bundles: 1, bytes: Buffer.byteLength(first.map) });
  });

  it('makes one bundle of concurrent assemblies of the same file', async () => {
    const same = bundle('3'.repeat(40), { projects: ['web', 'admin'], maps: [map('app'), map('vendor')] });
    await Promise.all(Array.from({ length: 6 }, (_, i) => b.artifactStore.saveBundle({ ...same, projects: i % 2 ? ['admin', 'web'] : ['web', 'admin'] })));
    const usage = await b.artifactStore.usage();
    expect(usage.get('web')?.bundles).toBe(1);
    expect(usage.get('admin')?.bundles).toBe(1);
    // Each of its maps once: the bytes are those of one copy.
    expect(usage.get('web')?.bytes).toBe(Buffer.byteLength(map('app').map) + Buffer.byteLength(map('vendor').map));
  });

  it('retention deletes old bundles except those of each project\'s newest releases, and stale chunks; the generation moves', async () => {
    const at = (day: number) => (clock.now = new Date(Date.parse(T0) + day * DAY));
    const upload = (project: string, name: string, release: string | null) => b.artifactStore.saveBundle(bundle(name.padEnd(40, '0'), { projects: [project], maps: [map(name)], release }));
    at(0);
    await upload('web', 'a1', '1.0');
    await upload('admin', 'b1', null);
    await b.artifactStore.putChunks([{ checksum: 'd'.repeat(40), data: Buffer.from('old') }]);
    at(1);
    await upload('web', 'a2', '2.0');
    await upload('web', 'a3', '2.0');
    at(2);
    await upload('web', 'a4', null);
    at(39);
    await b.artifactStore.putChunks([{ checksum: 'e'.repeat(40), data: Buffer.from('new') }]);
    const g = await b.sourceMaps.generation();
    at(40);
    const result = await b.artifactStore.cleanupArtifacts({
      bundlesBefore: new Date(clock.now.getTime() - 30 * DAY).toISOString(),
      keepReleases: 2,
      chunksBefore: new Date(clock.now.getTime() - 3_600_000 * 24).toISOString(),
    });
    // web keeps a4 (its newest, no release) and release 2.0 (a2, a3); admin keeps its only one.
    expect(result).toEqual({ bundlesDeleted: 1, chunksDeleted: 1 });
    const present = async (project: string, n: string) => (await b.sourceMaps.byUrl(project, `https://x/assets/${n}.min.js`)) !== null;
    expect(await present('web', 'a1')).toBe(false);
    for (const n of ['a2', 'a3', 'a4']) expect(await present('web', n), n).toBe(true);
    expect(await present('admin', 'b1')).toBe(true);
    expect(await b.artifactStore.missingChunks(['d'.repeat(40), 'e'.repeat(40)])).toEqual(['d'.repeat(40)]);
    expect(await b.sourceMaps.generation()).toBeGreaterThan(g);
    // Nothing kept for releases: everything old goes, in batches.
    const all = await b.artifactStore.cleanupArtifacts({ bundlesBefore: clock.now.toISOString(), keepReleases: 0, chunksBefore: T0 });
    expect(all.bundlesDeleted).toBe(4);
    expect(await b.artifactStore.usage()).toEqual(new Map());
  });

  it('an aborted retention stops between batches', async () => {
    await b.artifactStore.saveBundle(bundle('f'.repeat(40)));
    const abort = new AbortController();
    abort.abort();
    expect(await b.artifactStore.cleanupArtifacts({ bundlesBefore: '2999-01-01T00:00:00.000Z', keepReleases: 0, chunksBefore: T0, signal: abort.signal })).toEqual({ bundlesDeleted: 0, chunksDeleted: 0 });
    expect((await b.artifactStore.usage()).get('web')?.bundles).toBe(1);
  });
});
