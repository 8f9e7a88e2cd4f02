// The real sentry-cli against a live server: sourcemaps inject + upload of a rolldown-built app, releases new/finalize, deploys new; then the stored lookup finds the maps.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSqliteReleaseStore } from '../../src/store/sqlite/releases.js';
import { createSqliteSourceMapLookup } from '../../src/store/sqlite/sourcemap-lookup.js';
import { startServer, type Running } from '../spawn-server.js';
import { buildApp, sentryCli } from './cli.js';

const API_KEY = 'cli-test-operator-key-0123456789';
let dir: string;
let server: Running;
let token: string;
let ingestKey: string;
let db: Database.Database;

async function api(method: string, path: string, body?: unknown) {
  const res = await fetch(server.url + path, { method, headers: { 'x-api-key': API_KEY, ...(body ? { 'content-type': 'application/json' } : {}) }, body: body ? JSON.stringify(body) : undefined });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

/** sentry-cli as CI runs it: the token in SENTRY_AUTH_TOKEN, our service as --url. */
const cli = (args: string[], authToken = token) => sentryCli(['--url', server.url, ...args], { SENTRY_AUTH_TOKEN: authToken }, dir);

/** The minified file of a dist and the debug ID `inject` wrote into it. */
function injected(dist: string): { file: string; debugId: string } {
  const file = readdirSync(join(dist, 'assets')).find((f) => f.endsWith('.js'))!;
  const m = /\/\/# debugId=([0-9a-f-]{36})/.exec(readFileSync(join(dist, 'assets', file), 'utf8'));
  return { file, debugId: m![1]! };
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'et-sentry-cli-'));
  server = await startServer(dir, { API_KEY, DATABASE_PATH: join(dir, 'data', 'errors.db'), LOG_LEVEL: 'warn' });
  const shop = await api('POST', '/api/projects', { name: 'shop' });
  ingestKey = shop.json.ingest_key as string;
  await api('POST', '/api/projects', { name: 'other' });
  token = (await api('POST', '/api/tokens', { kind: 'upload', name: 'ci', projects: ['shop'] })).json.token as string;
  db = new Database(join(dir, 'data', 'errors.db'), { readonly: true });
}, 60_000);

afterAll(async () => {
  db?.close();
  server?.child.kill('SIGKILL');
  await server?.exited;
  rmSync(dir, { recursive: true, force: true });
});

describe('sentry-cli 3.x against the service', () => {
  it('sourcemaps inject + upload stores the maps, found by debug ID and by the URL path; the token is accepted without a format warning', async () => {
    const dist = await buildApp(join(dir, 'build1'));
    const inject = await sentryCli(['sourcemaps', 'inject', dist], {}, dir);
    expect(inject.code, inject.stderr).toBe(0);
    const { file, debugId } = injected(dist);

    const upload = await cli(['--auth-token', token, 'sourcemaps', 'upload', '--org', 'any-org', '--project', 'shop', dist]);
    expect(upload.code, upload.stderr + upload.stdout).toBe(0);
    expect(upload.stdout).toContain('File processing complete');
    // sentry-cli warns about any token that is not shaped like Sentry's (src/utils/value_parsers.rs).
    expect(upload.stderr).not.toMatch(/Unrecognized auth token format/);

    const lookup = createSqliteSourceMapLookup(db);
    const byId = await lookup.byDebugId('shop', debugId);
    expect(byId, 'map by debug ID').not.toBeNull();
    const map = JSON.parse(byId!.map) as { sources: string[]; sourcesContent: string[] };
    expect(map.sources.map((s) => s.split('/').pop()).sort()).toEqual(['cart.js', 'checkout.js']);
    expect(map.sourcesContent.join('\n')).toContain("throw new TypeError('item without sku')");
    expect(byId!.url).toBe(`~/assets/${file}`);
    const byUrl = await lookup.byUrl('shop', `https://cdn.example.com/assets/${file}?v=42`);
    expect(byUrl?.cacheKey).toBe(byId!.cacheKey);
    expect(await lookup.byDebugId('other', debugId)).toBeNull();

    const projects = (await api('GET', '/api/projects')).json.details as Array<{ name: string; sourcemaps: { bundles: number; bytes: number } }>;
    expect(projects.find((p) => p.name === 'shop')!.sourcemaps.bundles).toBe(1);
    expect(projects.find((p) => p.name === 'shop')!.sourcemaps.bytes).toBe(Buffer.byteLength(byId!.map));
  }, 120_000);

  it('releases new, finalize and deploys new are recorded; releases info and deploys list read them back', async () => {
    expect((await cli(['releases', 'new', '--org', 'acme', '--project', 'shop', '2.0.0'])).stdout).toContain('Created release 2.0.0');
    const releases = createSqliteReleaseStore(db);
    const created = await releases.getRelease('shop', '2.0.0');
    expect(created).toMatchObject({ createdBy: 'api', finalizedAt: null });

    const finalize = await cli(['releases', 'finalize', '--org', 'acme', '--project', 'shop', '2.0.0']);
    expect(finalize.code, finalize.stderr).toBe(0);
    expect((await releases.getRelease('shop', '2.0.0'))!.finalizedAt).not.toBeNull();

    const deploy = await cli(['deploys', 'new', '--org', 'acme', '--release', '2.0.0', '-e', 'production', '-n', 'first deploy']);
    expect(deploy.code, deploy.stderr).toBe(0);
    expect(deploy.stdout).toContain("Created new deploy first deploy for 'production'");
    expect(await releases.listDeploys('shop', '2.0.0')).toEqual([expect.objectContaining({ environment: 'production', name: 'first deploy', project: 'shop' })]);

    const info = await cli(['releases', 'info', '--org', 'acme', '2.0.0']);
    expect(info.code, info.stderr).toBe(0);
    expect(info.stdout).toContain('2.0.0');
    expect((await cli(['deploys', 'list', '--org', 'acme', '--release', '2.0.0'])).stdout).toContain('first deploy');
    expect((await cli(['releases', 'info', '--org', 'acme', '9.9.9'])).code).not.toBe(0);
  }, 120_000);

  it('a rebuild uploaded with --release is stored beside the first bundle under its new debug ID and file name', async () => {
    const dist = await buildApp(join(dir, 'build2'), '/* build 2 */');
    expect((await sentryCli(['sourcemaps', 'inject', dist], {}, dir)).code).toBe(0);
    const { file, debugId } = injected(dist);
    const upload = await cli(['sourcemaps', 'upload', '--org', 'acme', '--project', 'shop', '--release', '2.0.0', dist]);
    expect(upload.code, upload.stderr).toBe(0);
    const lookup = createSqliteSourceMapLookup(db);
    expect((await lookup.byDebugId('shop', debugId))?.url).toBe(`~/assets/${file}`);
    const projects = (await api('GET', '/api/projects')).json.details as Array<{ name: string; sourcemaps: { bundles: number } }>;
    expect(projects.find((p) => p.name === 'shop')!.sourcemaps.bundles).toBe(2);
  }, 120_000);

  it("the token cannot upload to another project, an ingest key cannot upload at all, and neither stores anything", async () => {
    const dist = join(dir, 'build1', 'dist');
    const other = await cli(['sourcemaps', 'upload', '--org', 'acme', '--project', 'other', dist]);
    expect(other.code).not.toBe(0);
    expect(other.stderr).toContain("This token may not act on project 'other'");
    const withIngestKey = await cli(['sourcemaps', 'upload', '--org', 'acme', '--project', 'shop', dist], ingestKey);
    expect(withIngestKey.code).not.toBe(0);
    expect(withIngestKey.stderr).toContain('http status: 401');
    const release = await cli(['releases', 'new', '--org', 'acme', '--project', 'other', '3.0.0']);
    expect(release.code).not.toBe(0);
    const projects = (await api('GET', '/api/projects')).json.details as Array<{ name: string; sourcemaps: { bundles: number } }>;
    expect(projects.find((p) => p.name === 'other')!.sourcemaps.bundles).toBe(0);
    expect(await createSqliteReleaseStore(db).getRelease('other', '3.0.0')).toBeNull();
  }, 120_000);
});
