// Issue 17 end to end: a rolldown app injected and uploaded with the real sentry-cli to the live service; in real Chromium it throws
// from two places through @sentry/browser and through web/reporter.js; the groups are the original files and lines, and a rebuild joins them.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'rolldown';
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import { launchChromium, servePages, waitFor, type Browser } from '../chromium.js';
import { startServer, type Running } from '../spawn-server.js';
import { sentryCli } from './cli.js';
import { buildApp, ERRORS, type Bundle } from './fixture-app.js';

vi.setConfig({ testTimeout: 240_000, hookTimeout: 120_000 });

const API_KEY = 'e2e-sourcemaps-operator-key-0123456789';
let dir: string;
let server: Running;
let browser: Browser;
let sdkBundle: string;
let project: { dsn: string; ingestKey: string };
let uploadToken: string;

async function api(method: string, path: string, body?: unknown) {
  const res = await fetch(server.url + path, { method, headers: { 'x-api-key': API_KEY, ...(body ? { 'content-type': 'application/json' } : {}) }, body: body ? JSON.stringify(body) : undefined });
  return (await res.json()) as Record<string, unknown>;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'et-e2e-sm-'));
  server = await startServer(dir, { API_KEY, DATABASE_PATH: join(dir, 'data', 'errors.db'), LOG_LEVEL: 'warn' });
  const shop = await api('POST', '/api/projects', { name: 'shop' });
  // The DSN names the host the request came by; the page reaches the service on 127.0.0.1.
  project = { dsn: (shop.dsn as string).replace(/@[^/]+\//, `@${new URL(server.url).host}/`), ingestKey: shop.ingest_key as string };
  uploadToken = (await api('POST', '/api/tokens', { kind: 'upload', name: 'ci', projects: ['shop'] })).token as string;
  // The SDK from node_modules, bundled for the page (the npm package ships no browser bundle).
  const sdk = await build({ input: fileURLToPath(import.meta.resolve('@sentry/browser')), platform: 'browser', logLevel: 'silent', write: false, output: { format: 'iife', name: 'Sentry' } });
  sdkBundle = sdk.output[0].code;
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  server?.child.kill('SIGTERM');
  await server?.exited;
  rmSync(dir, { recursive: true, force: true });
});

/** Builds the app, then CI's two steps: `sourcemaps inject` and `sourcemaps upload` with the upload token. */
async function release(version: string): Promise<Bundle & { debugId: string }> {
  const built = await buildApp({ version, dir: join(dir, `build-${version}`) });
  const dist = join(built.dir, 'dist');
  const inject = await sentryCli(['sourcemaps', 'inject', dist], {}, dir);
  expect(inject.code, inject.stderr).toBe(0);
  const upload = await sentryCli(
    ['--url', server.url, 'sourcemaps', 'upload', '--org', 'any-org', '--project', 'shop', '--release', version, '--url-prefix', '~/assets', dist],
    { SENTRY_AUTH_TOKEN: uploadToken },
    dir,
  );
  expect(upload.code, upload.stderr + upload.stdout).toBe(0);
  // inject wrote the debug ID into the bundle and its map (and moved the mappings past its snippet).
  const code = readFileSync(join(dist, built.file), 'utf8');
  const debugId = /\/\/# debugId=([0-9a-f-]{36})/.exec(code)![1]!;
  return { ...built, code, map: readFileSync(join(dist, `${built.file}.map`), 'utf8'), debugId };
}

/** Both errors, each on its own turn of the event loop, so each is uncaught. */
const THROW_BOTH = `setTimeout(function () { app.addBrokenItem(); }, 0);
setTimeout(function () { app.payOverLimit(); }, 30);
setTimeout(function () { document.documentElement.dataset.thrown = 'yes'; }, 300);`;

/**
 * The page with @sentry/browser (DSN only), then the app's bundle from a path no upload names
 * (`/cdn-copy/`): only the debug ID the SDK sends can find its map.
 */
const sentryPage = (b: Bundle, version: string) => `<!doctype html><html><head><script src="/sentry.js"></script>
<script>Sentry.init({ dsn: ${JSON.stringify(project.dsn)}, release: ${JSON.stringify(version)} });</script>
</head><body><script src="/cdn-copy/${b.file}"></script><script>${THROW_BOTH}</script></body></html>`;

/** The page with our reporter (ingest key), then the app's bundle where it was uploaded (`~/assets/`): found by URL. */
const reporterPage = (b: Bundle, version: string) => `<!doctype html><html><head>
<script src="${server.url}/reporter.js" data-key="${project.ingestKey}" data-release="${version}"></script>
</head><body><script src="/assets/${b.file}"></script><script>${THROW_BOTH}</script></body></html>`;

interface Group {
  id: number;
  exception_type: string;
  file: string;
  line: number;
  function: string;
  count: number;
  source: string;
}

const groups = async () => ((await api('GET', '/api/errors?project=shop&limit=50')).errors as Group[]).sort((a, b) => a.file.localeCompare(b.file));

/** Loads both pages of one build and waits until every group holds `count` events. */
async function throwFromBothPages(b: Bundle, version: string, count: number): Promise<Group[]> {
  const pages = await servePages({
    '/sentry': ['text/html', sentryPage(b, version)],
    '/reporter': ['text/html', reporterPage(b, version)],
    '/sentry.js': ['text/javascript', sdkBundle],
    [`/assets/${b.file}`]: ['text/javascript', b.code],
    [`/cdn-copy/${b.file}`]: ['text/javascript', b.code],
  });
  try {
    for (const path of ['/sentry', '/reporter']) {
      const page = await browser.context.newPage();
      await page.goto(`${pages.origin}${path}`);
      await page.waitForFunction("document.documentElement.dataset.thrown === 'yes'", undefined, { timeout: 30_000 });
      await page.close();
    }
    return await waitFor(async () => {
      const g = await groups();
      return g.reduce((n, x) => n + x.count, 0) >= 2 * count ? g : undefined;
    }, 30_000);
  } finally {
    await pages.close();
  }
}

it('groups the browser errors of a minified bundle by their original file and line, through the Sentry SDK and our reporter, across a rebuild', async () => {
  const first = await release('1.0.0');

  const after1 = await throwFromBothPages(first, '1.0.0', 2);
  // Two places, two groups; each holds the Sentry SDK's event and the reporter's report of its error.
  expect(after1.map((g) => [g.exception_type, g.file, g.line, g.count, g.source])).toEqual([
    ['TypeError', ERRORS.addBrokenItem.file, ERRORS.addBrokenItem.line, 2, 'browser'],
    ['TypeError', ERRORS.payOverLimit.file, ERRORS.payOverLimit.line, 2, 'browser'],
  ]);
  expect(after1.map((g) => g.function)).toEqual(['addItem', 'checkout']);

  // The Sentry event came from /cdn-copy/ (mapped by debug ID), the reporter's from /assets/ (by URL).
  const detail = (await api('GET', `/api/errors/${after1[0]!.id}`)) as { error: { frames: Array<Record<string, unknown>> }; occurrences: Array<{ sdk: { name?: string } | null }> };
  expect(detail.occurrences.map((o) => o.sdk?.name ?? 'reporter').sort()).toEqual(['reporter', 'sentry.javascript.browser']);
  // The page shows the latest traceback (the reporter's), mapped, with its source.
  const crash = detail.error.frames.find((f) => f.in_app)!;
  expect(crash).toMatchObject({ file: ERRORS.addBrokenItem.file, line: ERRORS.addBrokenItem.line, function: 'addItem' });
  expect((crash.context as { line: string }).line.trim()).toBe(ERRORS.addBrokenItem.contextLine);
  expect((crash.generated as { file: string }).file).toMatch(/\/(assets|cdn-copy)\/app\.[\w-]+\.js$/);

  // A new release: another bundle hash and debug ID, the same source; its errors join the same groups.
  const second = await release('2.0.0');
  expect(second.file).not.toBe(first.file);
  expect(second.debugId).not.toBe(first.debugId);
  const after2 = await throwFromBothPages(second, '2.0.0', 4);
  expect(after2.map((g) => [g.id, g.file, g.line, g.count])).toEqual(after1.map((g) => [g.id, g.file, g.line, 4]));
});
