-- 001: projects, error groups, the ring of their last five occurrences, hourly counts.

CREATE TABLE projects (
  id          INTEGER PRIMARY KEY,
  name        TEXT NOT NULL UNIQUE,
  -- Public per-project key: can only submit errors to this project (DESIGN.md, "Keys").
  ingest_key  TEXT NOT NULL UNIQUE,
  created_at  TEXT NOT NULL
) STRICT;

CREATE TABLE errors (
  id              INTEGER PRIMARY KEY,
  fingerprint     TEXT NOT NULL UNIQUE,
  project         TEXT NOT NULL,
  exception_type  TEXT NOT NULL,
  message         TEXT NOT NULL DEFAULT '',
  traceback       TEXT NOT NULL DEFAULT '',
  -- The crash frame the fingerprint was computed from.
  file            TEXT NOT NULL DEFAULT '',
  line            INTEGER,
  function        TEXT NOT NULL DEFAULT '',
  source          TEXT NOT NULL CHECK (source IN ('browser', 'server')),
  count           INTEGER NOT NULL DEFAULT 1,
  first_seen      TEXT NOT NULL,
  last_seen       TEXT NOT NULL,
  resolved        INTEGER NOT NULL DEFAULT 0 CHECK (resolved IN (0, 1)),
  resolved_at     TEXT,
  -- Of the last occurrence.
  release         TEXT,
  environment     TEXT
) STRICT;

-- The list is always newest first; these match its filters (project, status, source) and sort.
CREATE INDEX errors_last_seen ON errors (last_seen DESC, id DESC);
CREATE INDEX errors_project_last_seen ON errors (project, last_seen DESC, id DESC);
CREATE INDEX errors_resolved_last_seen ON errors (resolved, last_seen DESC, id DESC);
CREATE INDEX errors_source_last_seen ON errors (source, last_seen DESC, id DESC);

-- The last five occurrences of a group, as a ring: slot = (seq - 1) % 5 is overwritten in place,
-- so the table grows with the number of groups, not the number of reports.
CREATE TABLE error_occurrences (
  error_id         INTEGER NOT NULL REFERENCES errors (id) ON DELETE CASCADE,
  slot             INTEGER NOT NULL CHECK (slot BETWEEN 0 AND 4),
  -- The group's count when this occurrence arrived: orders the ring newest first.
  seq              INTEGER NOT NULL,
  timestamp        TEXT NOT NULL,
  message          TEXT NOT NULL DEFAULT '',
  request_url      TEXT,
  request_method   TEXT,
  request_headers  TEXT,
  user_id          TEXT,
  extra            TEXT,
  release          TEXT,
  environment      TEXT,
  PRIMARY KEY (error_id, slot)
) STRICT, WITHOUT ROWID;

-- Occurrences per group per hour (hour = 'YYYY-MM-DDTHH:00:00Z'), for trends and spike detection.
CREATE TABLE error_hourly_counts (
  error_id  INTEGER NOT NULL REFERENCES errors (id) ON DELETE CASCADE,
  hour      TEXT NOT NULL,
  count     INTEGER NOT NULL,
  PRIMARY KEY (error_id, hour)
) STRICT, WITHOUT ROWID;
