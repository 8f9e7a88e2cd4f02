// Source maps on PostgreSQL with two real service processes: sentry-cli uploads through one, the other maps a minified report at once; chunks sent to one assemble on the other.
import { readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { API_KEY } from '../helper.js';
import { sentryCli } from '../sourcemaps/cli.js';
import { chunkForm, makeBundle, sha1, splitChunks } from '../sourcemaps/bundles.js';
import { buildApp, ERRORS, v8Trace, type Bundle } from '../sourcemaps/fixture-app.js';
import { startServer, type Running } from '../spawn-server.js';
import { createDatabase } from './postgres-server.js';

/** Instances on a loaded machine open a pool and check the schema before they listen. */
const SLOW_START = { readyTimeoutMs: 60_000 };
const CDN = 'https://cdn.example.com';
const md5 = (s: string) => createHash('md5').update(s).digest('hex');

let dir: string;
let a: Running;
let b: Running;
let token: string;

/** As the operator (x-api-key), or with an upload token as sentry-cli sends it. */
async function call(base: string, method: string, path: string, body?: unknown, uploadToken?: string) {
  const res = await fetch(base + path, {
    method,
    headers: { ...(uploadToken ? { authorization: `Bearer ${uploadToken}` } : { 'x-api-key': API_KEY }), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

/** The minified report of the bundle as served from the CDN: V8's own trace of its error. */
function minifiedReport(bundle: Bundle) {
  const { type, message, stack } = v8Trace(bundle, `${CDN}/${bundle.file}?v=1`, 'addBrokenItem');
  return { project: 'web', exception_type: type, message, traceback: stack };
}

const bundlesOf = async (base: string) =>
  ((await call(base, 'GET', '/api/projects')).json.details as Array<{ name: string; sourcemaps: { bundles: number } }>).find((p) => p.name === 'web')!.sourcemaps.bundles;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'etrk-pg-sourcemaps-'));
  const url = await createDatabase(inject('pgAdminUrl'), { migrated: true });
  const env = { DATABASE_URL: url, API_KEY, RATE_LIMIT_PER_MINUTE: '0', LOG_LEVEL: 'warn' };
  [a, b] = await Promise.all([startServer(dir, env, SLOW_START), startServer(dir, env, SLOW_START)]);
  for (const s of [a, b]) if (s.child.exitCode !== null) throw new Error(`an instance did not start: ${s.stderr()}${s.stdout()}`);
  expect((await call(a.url, 'POST', '/api/projects', { name: 'web' })).status).toBe(201);
  token = (await call(a.url, 'POST', '/api/tokens', { kind: 'upload', name: 'ci', projects: ['web'] })).json.token as string;
}, 90_000);

afterAll(async () => {
  for (const s of [a, b]) {
    if (!s) continue;
    s.child.kill('SIGTERM');
    await s.exited;
  }
  rmSync(dir, { recursive: true, force: true });
});

it('sentry-cli uploads through instance A; instance B, which had cached "no map" for the file, groups the next report at the original file:line', { timeout: 180_000 }, async () => {
  const built = await buildApp({ dir: join(dir, 'app') });
  const dist = join(built.dir, 'dist');
  expect((await sentryCli(['sourcemaps', 'inject', dist], {}, dir)).code).toBe(0);
  // inject rewrote the file and its map: the trace is of what is served.
  const bundle: Bundle = { ...built, code: readFileSync(join(dist, built.file), 'utf8'), map: readFileSync(join(dist, `${built.file}.map`), 'utf8') };

  const before = await call(b.url, 'POST', '/api/errors', minifiedReport(bundle));
  expect(before.status).toBe(201);
  expect((await call(b.url, 'GET', `/api/errors/${before.json.id}`)).json.error).toMatchObject({ file: `${CDN}/${bundle.file}` });

  const upload = await sentryCli(['--url', a.url, 'sourcemaps', 'upload', '--org', 'acme', '--project', 'web', dist], { SENTRY_AUTH_TOKEN: token }, dir);
  expect(upload.code, upload.stderr + upload.stdout).toBe(0);
  expect(upload.stdout).toContain('File processing complete');

  const after = await call(b.url, 'POST', '/api/errors', minifiedReport(bundle));
  expect(after.status).toBe(201);
  expect(after.json.fingerprint).toBe(md5(`web:TypeError:${ERRORS.addBrokenItem.file}:${ERRORS.addBrokenItem.line}`));
  const group = (await call(b.url, 'GET', `/api/errors/${after.json.id}`)).json.error as { file: string; line: number; frames: Array<{ file: string; line: number }> };
  expect([group.file, group.line]).toEqual([ERRORS.addBrokenItem.file, ERRORS.addBrokenItem.line]);
  expect(group.frames[0]).toMatchObject({ file: 'src/cart.js', line: ERRORS.addBrokenItem.line });
  // A maps it as well, and both count the one bundle.
  expect((await call(a.url, 'POST', '/api/errors', minifiedReport(bundle))).json).toMatchObject({ id: after.json.id, count: 2 });
  expect([await bundlesOf(a.url), await bundlesOf(b.url)]).toEqual([1, 1]);
});

it('chunks sent to A assemble on B; the same bundle assembled on both at once is stored once', { timeout: 60_000 }, async () => {
  const map = JSON.stringify({ version: 3, sources: ['src/x.js'], names: [], mappings: 'AAAA' });
  const file = makeBundle([
    { type: 'minified_source', url: '~/x.min.js', headers: { Sourcemap: 'x.min.js.map' }, content: 'x()\n' },
    { type: 'source_map', url: '~/x.min.js.map', content: map },
  ]);
  const parts = splitChunks(file, 200);
  expect(parts.length).toBeGreaterThan(2);
  const request = { checksum: sha1(file), chunks: parts.map(sha1), projects: ['web'] };
  const assemble = (base: string) => call(base, 'POST', '/api/0/organizations/acme/artifactbundle/assemble/', request, token);

  expect((await assemble(b.url)).json).toMatchObject({ state: 'not_found', missingChunks: [...new Set(request.chunks)] });
  const form = chunkForm(parts.map((p) => ({ name: sha1(p), data: p })));
  const sent = await fetch(`${a.url}/api/0/organizations/acme/chunk-upload/`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': form.contentType }, body: form.body });
  expect(sent.status).toBe(200);

  const answers = await Promise.all([assemble(b.url), assemble(a.url), assemble(b.url)]);
  for (const r of answers) {
    expect(r.status).toBe(200);
    expect(['ok', 'assembling']).toContain(r.json.state);
  }
  // The CLI polls until ok: by now every instance answers ok.
  for (const base of [a.url, b.url]) expect((await assemble(base)).json.state).toBe('ok');
  expect([await bundlesOf(a.url), await bundlesOf(b.url)]).toEqual([2, 2]);
});
