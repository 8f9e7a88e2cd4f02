// The benchmark's source-map runs: minified browser traces whose maps were uploaded with sentry-cli (mapped, maps cached) beside the same traces without maps.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildFixture } from './sourcemap-fixture.mjs';

export const MAPPED_RUN = 'POST /api/errors browser, source-mapped (maps cached)';
export const UNMAPPED_RUN = 'POST /api/errors browser, no map (same traces)';
const PROJECT = 'bench-web';

/** The sentry-cli binary of @sentry/cli (its platform package), or null when it is not installed. */
function sentryCliPath() {
  try {
    return createRequire(import.meta.url)('@sentry/cli').SentryCli.getPath();
  } catch {
    return null;
  }
}

/**
 * Traces of the bundle's throws, V8-style: each module's crash() (one group per module) called from
 * two other functions of the bundle, then the page. `prefix` is the bundle's URL directory.
 */
function tracesOf(fixture, prefix) {
  const throws = [];
  for (let at = fixture.code.indexOf('throw '); at >= 0; at = fixture.code.indexOf('throw ', at + 1)) throws.push(fixture.positionOf('throw ', at));
  const returns = [];
  for (let at = fixture.code.indexOf('return'); at >= 0 && returns.length < 200; at = fixture.code.indexOf('return', at + 1)) returns.push(fixture.positionOf('return', at));
  const url = `${prefix}/${fixture.file}`;
  return throws.map((p, i) => {
    const a = returns[(i * 7) % returns.length];
    const b = returns[(i * 13 + 5) % returns.length];
    return JSON.stringify({
      project: PROJECT,
      exception_type: 'TypeError',
      message: `cannot continue: order ${i}`,
      traceback: [
        `TypeError: cannot continue: order ${i}`,
        `    at r (${url}:${p.line}:${p.column})`,
        `    at Object.a (${url}:${a.line}:${a.column})`,
        `    at HTMLButtonElement.n (${url}:${b.line}:${b.column})`,
        '    at https://shop.example.com/checkout:12:7',
      ].join('\n'),
      user: { id: `user-${i % 50}` },
      tags: { browser: 'Chrome 140', release: '1.0.0' },
    });
  });
}

/**
 * Uploads a bundle's map with the real sentry-cli (operator key as its token), then measures the
 * same traces under the uploaded path and under a path no map covers, in the same service run.
 * Returns [] when sentry-cli or the upload API is missing.
 */
export async function sourcemapRuns({ service, apiKey, load, warmup, headers }) {
  const cli = sentryCliPath();
  if (cli === null) return [];
  const probe = await fetch(`${service.url}/api/0/organizations/bench/chunk-upload/`, { headers: { authorization: `Bearer ${apiKey}` } });
  if (probe.status === 404) return [];
  const dir = mkdtempSync(join(tmpdir(), 'et-bench-sm-'));
  try {
    const fixture = await buildFixture({ modules: 60, functionsPerModule: 20, dir });
    await fetch(`${service.url}/api/projects`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-api-key': apiKey }, body: JSON.stringify({ name: PROJECT }) });
    execFileSync(cli, ['--url', service.url, 'sourcemaps', 'upload', '--org', 'bench', '--project', PROJECT, '--release', 'bench-1.0.0', '--url-prefix', '~/assets', join(dir, 'dist')], {
      env: { PATH: process.env.PATH, HOME: dir, SENTRY_AUTH_TOKEN: apiKey, SENTRY_LOAD_DOTENV: '0' },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    const mapped = tracesOf(fixture, 'https://cdn.example.com/assets');
    const unmapped = tracesOf(fixture, 'https://cdn.example.com/static');
    const check = await (await fetch(`${service.url}/api/errors`, { method: 'POST', headers, body: mapped[0] })).json();
    const group = await (await fetch(`${service.url}/api/errors/${check.id}`, { headers: { 'x-api-key': apiKey } })).json();
    if (!group.error.file.endsWith('module0.js')) throw new Error(`the uploaded map was not used: crash frame ${group.error.file}`);
    const cycle = (list) => {
      let i = 0;
      return () => ({ path: '/api/errors', body: list[i++ % list.length] });
    };
    const runs = [];
    runs.push(await load(UNMAPPED_RUN, service, { method: 'POST', headers, warmup, next: cycle(unmapped) }));
    runs.push(await load(MAPPED_RUN, service, { method: 'POST', headers, warmup, next: cycle(mapped) }));
    const mapBytes = fixture.map.length;
    return runs.map((r) => ({ ...r, mapMb: +(mapBytes / 1e6).toFixed(2), groups: mapped.length }));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Mapped req/s over unmapped req/s (issue 17: within 25%), and the same by CPU per request. */
export function describeSourcemapRuns(runs) {
  const mapped = runs.find((r) => r.name === MAPPED_RUN);
  const unmapped = runs.find((r) => r.name === UNMAPPED_RUN);
  if (!mapped || !unmapped) return { text: 'no source-map runs (sentry-cli or the upload API missing)' };
  const ratio = +(mapped.requestsPerSecond / unmapped.requestsPerSecond).toFixed(3);
  const cpuRatio = +(unmapped.cpuMicrosPerRequest / mapped.cpuMicrosPerRequest).toFixed(3);
  return {
    ratio,
    cpuRatio,
    text: `source-mapped browser events (${mapped.groups} groups, a ${mapped.mapMb} MB map, cached) / the same without maps: ${ratio} by req/s, ${cpuRatio} by CPU per request (target >= 0.75)`,
  };
}
