-- 012: source-map artifact bundles uploaded by sentry-cli (chunk upload, then assemble), and the
-- maps taken out of them, indexed for mapping at ingest by debug ID and by the minified file's path.

-- Chunks uploaded but not yet assembled, by the SHA-1 of their (uncompressed) bytes. An assemble
-- uses them up; the retention job drops the ones left behind by an upload that never assembled.
CREATE TABLE upload_chunks (
  id             INTEGER PRIMARY KEY,
  checksum       TEXT NOT NULL UNIQUE,
  data           BLOB NOT NULL,
  created_at     TEXT NOT NULL
) STRICT;

CREATE INDEX upload_chunks_age ON upload_chunks (created_at);

-- One row per assembled bundle and project (a bundle for two projects is stored for each).
CREATE TABLE artifact_bundles (
  id             INTEGER PRIMARY KEY,
  project        TEXT NOT NULL,
  -- SHA-1 of the whole bundle file, as the assemble request names it: a second upload of the same
  -- bundle to the same project is recognised and stores nothing.
  checksum       TEXT NOT NULL,
  -- The manifest's debug_id (sentry-cli prints it as "Bundle ID").
  bundle_id      TEXT,
  release        TEXT,
  dist           TEXT,
  -- Files in the manifest, and bytes kept for the bundle (its maps), for the Projects page.
  files          INTEGER NOT NULL,
  bytes          INTEGER NOT NULL,
  uploaded_at    TEXT NOT NULL,
  UNIQUE (project, checksum)
) STRICT;

CREATE INDEX artifact_bundles_by_project ON artifact_bundles (project, id);

-- One row per source map in a bundle; newer uploads have larger ids, so "newest wins" is the
-- largest id under the index.
CREATE TABLE artifact_maps (
  id             INTEGER PRIMARY KEY,
  bundle         INTEGER NOT NULL REFERENCES artifact_bundles (id) ON DELETE CASCADE,
  project        TEXT NOT NULL,
  -- Lowercase UUID with dashes: the debug-id header of the map (or of its minified file).
  debug_id       TEXT,
  -- The minified file's URL path as the manifest names it ('~/assets/app.min.js' -> '/assets/app.min.js').
  url_path       TEXT,
  -- The minified file's manifest URL.
  url            TEXT,
  map            TEXT NOT NULL
) STRICT;

CREATE INDEX artifact_maps_by_debug_id ON artifact_maps (project, debug_id, id) WHERE debug_id IS NOT NULL;
CREATE INDEX artifact_maps_by_url_path ON artifact_maps (project, url_path, id) WHERE url_path IS NOT NULL;
CREATE INDEX artifact_maps_by_bundle ON artifact_maps (bundle);

-- Bumped in the transaction of every upload and deletion of bundles, so that a cached "no map"
-- answer of SourceMapLookup can tell it is stale (also across processes on one file).
CREATE TABLE artifact_generation (
  id             INTEGER PRIMARY KEY CHECK (id = 1),
  n              INTEGER NOT NULL
) STRICT;

INSERT INTO artifact_generation (id, n) VALUES (1, 0);

-- The release API names a release by version alone (the organization's), so it is found across projects.
CREATE INDEX releases_by_version ON releases (version);
