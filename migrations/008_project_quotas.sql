-- 008: spike protection. A project's own quotas (NULL: the global default; 0: no limit), and the
-- events dropped over quota, per project and hour, so nothing is dropped without a trace.

CREATE TABLE project_quotas (
  project     TEXT PRIMARY KEY,
  per_minute  INTEGER,
  per_hour    INTEGER
) STRICT;

CREATE TABLE dropped_events (
  project  TEXT NOT NULL,
  -- 'YYYY-MM-DDTHH:00:00Z', as error_hourly_counts
  hour     TEXT NOT NULL,
  count    INTEGER NOT NULL,
  PRIMARY KEY (project, hour)
) STRICT, WITHOUT ROWID;
