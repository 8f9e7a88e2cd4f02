// Source-map bundles kept by the retention job: past SOURCEMAP_RETENTION_DAYS unless among a project's newest SOURCEMAP_KEEP_RELEASES releases; stale chunks dropped.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { artifactPolicy, startRetention } from '../../src/jobs/retention.js';
import { createSqliteArtifactStore } from '../../src/store/sqlite/artifacts.js';
import { createSqliteSourceMapLookup } from '../../src/store/sqlite/sourcemap-lookup.js';
import { auth, buildTestApp, type TestApp } from '../helper.js';
import { assemble, postChunks, sampleBundle, sha1, splitChunks } from './bundles.js';

const DAY = 86_400_000;
let t: TestApp;
beforeEach(async () => {
  t = await buildTestApp();
  for (const name of ['web', 'admin']) await t.app.inject({ method: 'POST', url: '/api/projects', headers: auth, payload: { name } });
});
afterEach(() => t.close());

/** Uploads a bundle whose map is for `name`, at the app's clock, under `release` (or none). */
async function upload(project: string, name: string, release?: string) {
  const file = sampleBundle({ url: `~/assets/${name}.min.js`, debugId: `00000000-0000-4000-8000-${sha1(name).slice(0, 12)}` });
  const parts = splitChunks(file, 1024 * 1024);
  await postChunks(t.app, auth, parts.map((p) => ({ name: sha1(p), data: p })));
  const res = await assemble(t.app, auth, { checksum: sha1(file), chunks: parts.map(sha1), projects: [project], ...(release ? { version: release } : {}) });
  expect(res.json().state).toBe('ok');
}

const present = async (project: string, name: string) => (await createSqliteSourceMapLookup(t.db).byUrl(project, `/assets/${name}.min.js`)) !== null;

describe('source-map retention', () => {
  it('deletes old bundles except those of the newest releases (a bundle without a release counts as one), per project', async () => {
    const start = t.clock.now.getTime();
    const at = (day: number) => (t.clock.now = new Date(start + day * DAY));
    at(0);
    await upload('web', 'r1', '1.0');
    await upload('admin', 'admin-old');
    at(1);
    await upload('web', 'r2a', '2.0');
    await upload('web', 'r2b', '2.0');
    at(2);
    await upload('web', 'r3', '3.0');
    at(3);
    await upload('web', 'loose');
    at(29);
    await upload('web', 'recent', '0.9');

    const artifacts = createSqliteArtifactStore(t.db, { now: () => t.clock.now });
    const lookup = createSqliteSourceMapLookup(t.db);
    const generation = lookup.generation();
    // Day 40, 30 days, 2 releases: 'recent' (0.9) and 'loose' are the newest two; 'recent' is young anyway.
    at(40);
    const result = await artifacts.cleanupArtifacts(artifactPolicy(t.clock.now, 30, 2));
    expect(result.bundlesDeleted).toBe(4);
    expect(await present('web', 'recent')).toBe(true);
    expect(await present('web', 'loose')).toBe(true);
    for (const gone of ['r1', 'r2a', 'r2b', 'r3']) expect(await present('web', gone), gone).toBe(false);
    // Another project's own newest release is its own to keep.
    expect(await present('admin', 'admin-old')).toBe(true);
    expect(lookup.generation()).toBeGreaterThan(generation);
    expect((await artifacts.usage()).get('web')?.bundles).toBe(2);

    // keepReleases 0 and no age rule: nothing goes for age.
    expect((await artifacts.cleanupArtifacts({ ...artifactPolicy(t.clock.now, 0, 0) })).bundlesDeleted).toBe(0);
  });

  it('the retention job runs it, and drops chunks that were never assembled', async () => {
    const artifacts = createSqliteArtifactStore(t.db, { now: () => t.clock.now });
    const chunk = Buffer.from('orphan chunk');
    await postChunks(t.app, auth, [{ name: sha1(chunk), data: chunk }]);
    await upload('web', 'old', '1.0');
    t.clock.now = new Date(t.clock.now.getTime() + 100 * DAY);
    const job = startRetention({
      store: t.store,
      logger: t.app.log as never,
      retentionDays: 90,
      intervalHours: 24,
      now: () => new Date(t.clock.now),
      artifacts: { store: artifacts, retentionDays: 90, keepReleases: 0 },
    });
    await job.runOnce();
    await job.stop();
    expect(await artifacts.missingChunks([sha1(chunk)])).toEqual([sha1(chunk)]);
    expect(await present('web', 'old')).toBe(false);
    expect(t.logs()).toMatch(/retention cleanup deleted 1 source-map bundles/);
  });
});
