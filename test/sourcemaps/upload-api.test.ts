// The Sentry web API for source-map uploads through app.inject: missing-chunk negotiation, lookup by debug ID and URL, and bad input that stores nothing.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createSqliteArtifactStore } from '../../src/store/sqlite/artifacts.js';
import { createSqliteSourceMapLookup } from '../../src/store/sqlite/sourcemap-lookup.js';
import { API_KEY, auth, buildTestApp, type TestApp } from '../helper.js';
import { assemble, DEBUG_ID, makeBundle, makeZip, postChunks, SAMPLE_MAP, sampleBundle, sha1, splitChunks, uploadBundle } from './bundles.js';

const LIMITS = { SOURCEMAP_CHUNK_BYTES: '1024', SOURCEMAP_MAX_BUNDLE_BYTES: '8192', SOURCEMAP_MAX_BUNDLE_FILES: '5', SOURCEMAP_MAX_FILE_BYTES: '4096' };
const bearer = { authorization: `Bearer ${API_KEY}` };

let t: TestApp;
beforeEach(async () => {
  t = await buildTestApp(LIMITS);
  for (const name of ['web', 'admin']) await t.app.inject({ method: 'POST', url: '/api/projects', headers: auth, payload: { name } });
});
afterEach(() => t.close());

/** Everything the upload side keeps: bundles per project, and whether these chunks are stored. */
async function stored(chunks: string[] = []) {
  const artifacts = createSqliteArtifactStore(t.db);
  const usage = await artifacts.usage();
  const missing = await artifacts.missingChunks(chunks);
  return { bundles: [...usage.values()].reduce((n, u) => n + u.bundles, 0), chunksKept: chunks.length - missing.length };
}

describe('chunk upload and assemble', () => {
  it('tells the CLI its chunk options: sha1, gzip, a relative url it resolves against --url', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/api/0/organizations/acme/chunk-upload/', headers: bearer });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ url: '/api/0/organizations/acme/chunk-upload/', chunkSize: 1024, hashAlgorithm: 'sha1', compression: ['gzip'], maxFileSize: 8192 });
    expect(res.json().maxRequestSize).toBe(res.json().chunkSize * res.json().chunksPerRequest);
  });

  it('negotiates missing chunks, stores the bundle, and finds its map by debug ID and by URL path (newest upload wins)', async () => {
    const file = sampleBundle();
    const parts = splitChunks(file, 1024);
    const request = { checksum: sha1(file), chunks: parts.map(sha1), projects: ['web'] };
    const first = await assemble(t.app, bearer, request);
    expect(first.json()).toEqual({ state: 'not_found', missingChunks: [...new Set(parts.map(sha1))], detail: null });
    // Half the chunks, then the state still names the other half.
    const half = parts.slice(0, 1);
    expect((await postChunks(t.app, bearer, half.map((p) => ({ name: sha1(p), data: p })))).statusCode).toBe(200);
    if (parts.length > 1) expect((await assemble(t.app, bearer, request)).json().missingChunks).toEqual([...new Set(parts.slice(1).map(sha1))].filter((c) => c !== sha1(parts[0]!)));
    expect((await postChunks(t.app, bearer, parts.slice(1).map((p) => ({ name: sha1(p), data: p })))).statusCode).toBe(200);
    const lookup = createSqliteSourceMapLookup(t.db);
    const before = lookup.generation();
    expect((await assemble(t.app, bearer, request)).json()).toEqual({ state: 'ok', missingChunks: [], detail: null });
    expect(lookup.generation()).toBeGreaterThan(before);
    // Chunks are used up; a second assemble of the same bundle is ok at once and stores no copy.
    expect(await stored(parts.map(sha1))).toEqual({ bundles: 1, chunksKept: 0 });
    expect((await assemble(t.app, bearer, request)).json().state).toBe('ok');
    expect(await stored()).toMatchObject({ bundles: 1 });

    const byId = await lookup.byDebugId('web', DEBUG_ID.toUpperCase());
    expect(byId).toMatchObject({ url: '~/assets/app.min.js', debugId: DEBUG_ID, map: SAMPLE_MAP });
    const byUrl = await lookup.byUrl('web', 'https://cdn.example.com/assets/app.min.js?v=3#top');
    expect(byUrl?.cacheKey).toBe(byId?.cacheKey);
    expect(await lookup.byUrl('admin', 'https://cdn.example.com/assets/app.min.js')).toBeNull();
    expect(await lookup.byDebugId('admin', DEBUG_ID)).toBeNull();
    expect(await lookup.byUrl('web', 'https://cdn.example.com/assets/other.min.js')).toBeNull();

    // A rebuild uploads the same URL with another map: the newer one is found.
    const newer = JSON.stringify({ ...JSON.parse(SAMPLE_MAP), names: ['g'], debug_id: undefined });
    const res = await uploadBundle(t.app, bearer, sampleBundle({ map: newer, debugId: '11111111-2222-4333-8444-555555555555' }), ['web'], 1024);
    expect(res.json().state).toBe('ok');
    const again = await lookup.byUrl('web', '/assets/app.min.js');
    expect(again?.map).toBe(newer);
    expect(again?.cacheKey).not.toBe(byId?.cacheKey);
    expect((await lookup.byDebugId('web', DEBUG_ID))?.map).toBe(SAMPLE_MAP);
  });

  it('takes a project by its numeric id as the CLI sends all-digit slugs, and stores a bundle for each project named', async () => {
    const projects = (await t.app.inject({ method: 'GET', url: '/api/projects', headers: auth })).json().details as Array<{ name: string; id: number }>;
    const admin = projects.find((p) => p.name === 'admin')!;
    const res = await uploadBundle(t.app, bearer, sampleBundle(), [admin.id, 'web']);
    expect(res.json().state).toBe('ok');
    const lookup = createSqliteSourceMapLookup(t.db);
    expect(await lookup.byDebugId('admin', DEBUG_ID)).not.toBeNull();
    expect(await lookup.byDebugId('web', DEBUG_ID)).not.toBeNull();
    const details = (await t.app.inject({ method: 'GET', url: '/api/projects', headers: auth })).json().details as Array<{ name: string; sourcemaps: { bundles: number; bytes: number } }>;
    expect(details.find((p) => p.name === 'web')!.sourcemaps).toEqual({ bundles: 1, bytes: Buffer.byteLength(SAMPLE_MAP) });
  });
});

describe('bad uploads get a 4xx from the catalogue and store nothing', () => {
  const cases: Array<[string, () => Buffer, number, string]> = [
    ['a corrupt zip', () => Buffer.concat([Buffer.from('SYSB\x02\x00\x00\x00'), Buffer.from('this is not a zip file at all, just text').subarray(0, 40)]), 400, 'invalid_bundle'],
    ['a zip without a manifest', () => makeZip([{ name: 'files/_/_/a.js', data: 'x' }]), 400, 'invalid_bundle'],
    ['a map that is not JSON', () => sampleBundle({ map: '{"version":3,"mappings":' }), 400, 'invalid_source_map'],
    ['a map that is JSON but no source map', () => sampleBundle({ map: '{"hello":"world"}' }), 400, 'invalid_source_map'],
    ['more files than SOURCEMAP_MAX_BUNDLE_FILES', () => makeBundle(Array.from({ length: 6 }, (_, i) => ({ type: 'source' as const, url: `~/s${i}.js`, content: 'x' }))), 413, 'bundle_too_many_files'],
    ['a file larger than SOURCEMAP_MAX_FILE_BYTES uncompressed (a zip bomb)', () => sampleBundle({ map: JSON.stringify({ version: 3, sources: [], mappings: '', pad: 'A'.repeat(20_000) }) }), 413, 'bundle_file_too_large'],
  ];
  for (const [what, make, status, code] of cases) {
    it(what, async () => {
      const file = make();
      const res = await uploadBundle(t.app, bearer, file, ['web'], 1024);
      expect(res.statusCode, res.body).toBe(status);
      expect(res.json().code).toBe(code);
      expect(await stored(splitChunks(file, 1024).map(sha1))).toEqual({ bundles: 0, chunksKept: 0 });
    });
  }

  it('an upload over SOURCEMAP_MAX_BUNDLE_BYTES is refused at the first assemble, before any chunk is sent', async () => {
    const chunks = Array.from({ length: 9 }, (_, i) => sha1(`chunk ${i}`));
    const res = await assemble(t.app, bearer, { checksum: sha1('all'), chunks, projects: ['web'] });
    expect(res.statusCode).toBe(413);
    expect(res.json().code).toBe('bundle_too_large');
  });

  it('a chunk whose checksum does not match, or larger than the chunk size, stores no chunk of the request', async () => {
    const good = Buffer.from('good chunk');
    const bad = Buffer.from('bad chunk');
    const mismatch = await postChunks(t.app, bearer, [{ name: sha1(good), data: good }, { name: sha1('something else'), data: bad }]);
    expect(mismatch.statusCode).toBe(400);
    expect(mismatch.json().code).toBe('chunk_checksum_mismatch');
    const big = Buffer.alloc(2048, 7);
    const tooBig = await postChunks(t.app, bearer, [{ name: sha1(big), data: big }]);
    expect(tooBig.statusCode).toBe(413);
    expect(tooBig.json().code).toBe('chunk_too_large');
    expect(await stored([sha1(good), sha1(big)])).toEqual({ bundles: 0, chunksKept: 0 });
    // Uncompressed parts (`file`) are checked the same way.
    const plain = await postChunks(t.app, bearer, [{ name: sha1('x'), data: Buffer.from('y'), gzip: false }]);
    expect(plain.json().code).toBe('chunk_checksum_mismatch');
  });

  it('chunks that do not add up to the bundle checksum store nothing', async () => {
    const file = sampleBundle();
    const parts = splitChunks(file, 1024);
    await postChunks(t.app, bearer, parts.map((p) => ({ name: sha1(p), data: p })));
    const res = await assemble(t.app, bearer, { checksum: sha1('another file'), chunks: parts.map(sha1), projects: ['web'] });
    expect(res.statusCode).toBe(400);
    expect(res.json().code).toBe('bundle_checksum_mismatch');
    expect(await stored(parts.map(sha1))).toEqual({ bundles: 0, chunksKept: 0 });
  });

  it('an unknown project is a 400 (a 404 would read as "release not found" to the CLI); a malformed request a 400', async () => {
    const res = await uploadBundle(t.app, bearer, sampleBundle(), ['nope']);
    expect(res.statusCode).toBe(400);
    expect(res.json().code).toBe('unknown_project');
    const bad = await assemble(t.app, bearer, { checksum: 'xyz', chunks: [], projects: [] });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().code).toBe('validation_failed');
    const notMultipart = await t.app.inject({ method: 'POST', url: '/api/0/organizations/any/chunk-upload/', headers: { ...bearer, 'content-type': 'application/json' }, payload: '{}' });
    expect(notMultipart.statusCode).toBe(415);
    expect(await stored()).toEqual({ bundles: 0, chunksKept: 0 });
  });
});
