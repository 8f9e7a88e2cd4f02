// readArtifactBundle: which minified file each map belongs to (Sourcemap header, debug ID, '<url>.map'), read from bundles as sentry-cli lays them out.
import { describe, expect, it } from 'vitest';
import { readArtifactBundle } from '../../src/sourcemaps/bundle.js';
import { makeBundle, SAMPLE_MAP } from './bundles.js';

const LIMITS = { maxFiles: 100, maxFileBytes: 1024 * 1024, maxUnpackedBytes: 4 * 1024 * 1024 };
const ID = 'aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee';
const mapWithout = JSON.stringify({ ...JSON.parse(SAMPLE_MAP), debug_id: undefined });

describe('readArtifactBundle', () => {
  it('links a map to its file by the Sourcemap header, resolved against the file (another folder too)', async () => {
    const parsed = await readArtifactBundle(
      makeBundle(
        [
          { type: 'minified_source', url: '~/static/js/app.js', headers: { Sourcemap: '../maps/app.js.map' }, content: 'x' },
          { type: 'source_map', url: '~/static/maps/app.js.map', content: mapWithout },
        ],
        { debug_id: ID.toUpperCase(), release: '1.2.3', dist: 'web', org: 'acme' },
      ),
      LIMITS,
    );
    expect(parsed).toMatchObject({ bundleId: ID, release: '1.2.3', dist: 'web', files: 2 });
    expect(parsed.maps).toEqual([{ debugId: null, url: '~/static/js/app.js', urlPath: '/static/js/app.js', map: mapWithout }]);
  });

  it("links by debug ID when no header names the map, else by '<url>.map'; a map of no file keeps its own debug ID", async () => {
    const parsed = await readArtifactBundle(
      makeBundle([
        { type: 'minified_source', url: '~/a.js', headers: { 'debug-id': ID }, content: 'x' },
        { type: 'source_map', url: '~/elsewhere/a.map', headers: { 'debug-id': ID }, content: mapWithout },
        { type: 'minified_source', url: '~/b.js', content: 'y' },
        { type: 'source_map', url: '~/b.js.map', content: mapWithout },
        { type: 'source_map', url: '~/orphan.js.map', content: SAMPLE_MAP },
      ]),
      LIMITS,
    );
    const byUrl = Object.fromEntries(parsed.maps.map((m) => [m.url ?? 'none', m.debugId]));
    expect(byUrl).toEqual({ '~/a.js': ID, '~/b.js': null, none: JSON.parse(SAMPLE_MAP).debug_id });
  });
});
