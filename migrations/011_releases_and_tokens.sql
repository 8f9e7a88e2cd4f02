-- 011: releases and their deploys (from the release API that sentry-cli and the bundler plugins
-- call, and from events that name a release), and API tokens other than the operator key.

CREATE TABLE releases (
  project        TEXT NOT NULL,
  version        TEXT NOT NULL,
  -- When the release API created it; else when its first event arrived. ISO 8601 UTC.
  created_at     TEXT NOT NULL,
  -- 'api' when created through the release API, 'event' when first seen on an event.
  created_by     TEXT NOT NULL CHECK (created_by IN ('api', 'event')),
  -- Set by `sentry-cli releases finalize` (Sentry's dateReleased).
  finalized_at   TEXT,
  PRIMARY KEY (project, version)
) STRICT, WITHOUT ROWID;

CREATE INDEX releases_newest ON releases (project, created_at DESC);

CREATE TABLE deploys (
  id             INTEGER PRIMARY KEY,
  project        TEXT NOT NULL,
  version        TEXT NOT NULL,
  environment    TEXT NOT NULL,
  name           TEXT,
  url            TEXT,
  started_at     TEXT,
  finished_at    TEXT NOT NULL,
  FOREIGN KEY (project, version) REFERENCES releases (project, version) ON DELETE CASCADE
) STRICT;

CREATE INDEX deploys_by_release ON deploys (project, version, finished_at);

-- Tokens other than the operator key: 'upload' (source maps and releases of their projects) and
-- 'agent' (the MCP server; scope 'read' or 'triage'). Only a SHA-256 of the token is stored; the
-- token itself is shown once, when created. `projects` is a JSON array of names, or NULL for all.
CREATE TABLE api_tokens (
  id             INTEGER PRIMARY KEY,
  kind           TEXT NOT NULL CHECK (kind IN ('upload', 'agent')),
  name           TEXT NOT NULL,
  token_hash     TEXT NOT NULL UNIQUE,
  -- The first characters of the token, to tell tokens apart in lists ('etu_3fA9').
  prefix         TEXT NOT NULL,
  projects       TEXT,
  scopes         TEXT NOT NULL,
  created_at     TEXT NOT NULL,
  last_used_at   TEXT,
  revoked_at     TEXT
) STRICT;
