-- 012: triage (issue 18): first-seen release, ignore (mute) and resolve-in-release state, distinct
-- users per group, per-release counters, and the indexes of the list's other sorts.

-- The release of the group's first occurrence (`release` stays that of the newest one).
ALTER TABLE errors ADD COLUMN first_release TEXT;
-- Ignored (muted): hidden from the default list, no alerts; wakes as a regression when one of its
-- conditions is met (absolute thresholds: the count or users figure at which it wakes).
ALTER TABLE errors ADD COLUMN ignored INTEGER NOT NULL DEFAULT 0 CHECK (ignored IN (0, 1));
ALTER TABLE errors ADD COLUMN ignore_until TEXT;
ALTER TABLE errors ADD COLUMN ignore_until_count INTEGER;
ALTER TABLE errors ADD COLUMN ignore_until_users INTEGER;
-- Resolved in a release: occurrences of this release or an older one leave the group resolved.
ALTER TABLE errors ADD COLUMN resolved_in TEXT;
-- Distinct users (estimate past the exact cap): the list's `users` and its sort.
ALTER TABLE errors ADD COLUMN users INTEGER NOT NULL DEFAULT 0;

-- The distinct-users sketch of a group (store/users-sketch.ts): hashes only, never a user id.
CREATE TABLE error_users (
  error_id  INTEGER PRIMARY KEY REFERENCES errors (id) ON DELETE CASCADE,
  sketch    BLOB NOT NULL
) STRICT;

-- Regressions a release brought (a reopening occurrence of that release), counted as they happen
-- (rare); its events and new groups are read from error_tags and errors.first_release instead, so
-- the write path pays nothing per report for them.
ALTER TABLE releases ADD COLUMN regressions INTEGER NOT NULL DEFAULT 0;

-- The list's other sorts (sort=first_seen|count|users) walk an index and stop after a page.
CREATE INDEX errors_first_seen ON errors (first_seen DESC, id DESC);
CREATE INDEX errors_count ON errors (count DESC, id DESC);
CREATE INDEX errors_users ON errors (users DESC, id DESC);
-- status=ignored: few groups, found without walking the others.
CREATE INDEX errors_ignored_last_seen ON errors (last_seen DESC, id DESC) WHERE ignored = 1;
-- A release's new groups, and the list filtered to a first-seen release.
CREATE INDEX errors_first_release ON errors (project, first_release) WHERE first_release IS NOT NULL;

-- Group totals gain the ignored dimension, so the default list (ignored hidden) still sums a few rows.
DROP TRIGGER errors_group_count_insert;
DROP TRIGGER errors_group_count_delete;
DROP TRIGGER errors_group_count_update;
DROP TABLE error_group_counts;

CREATE TABLE error_group_counts (
  project   TEXT NOT NULL,
  resolved  INTEGER NOT NULL,
  ignored   INTEGER NOT NULL,
  source    TEXT NOT NULL,
  groups    INTEGER NOT NULL,
  PRIMARY KEY (project, resolved, ignored, source)
) STRICT, WITHOUT ROWID;

INSERT INTO error_group_counts (project, resolved, ignored, source, groups)
SELECT project, resolved, ignored, source, count(*) FROM errors GROUP BY project, resolved, ignored, source;

CREATE TRIGGER errors_group_count_insert AFTER INSERT ON errors BEGIN
  INSERT INTO error_group_counts (project, resolved, ignored, source, groups) VALUES (new.project, new.resolved, new.ignored, new.source, 1)
  ON CONFLICT (project, resolved, ignored, source) DO UPDATE SET groups = groups + 1;
END;

CREATE TRIGGER errors_group_count_delete AFTER DELETE ON errors BEGIN
  UPDATE error_group_counts SET groups = groups - 1
  WHERE project = old.project AND resolved = old.resolved AND ignored = old.ignored AND source = old.source;
END;

CREATE TRIGGER errors_group_count_update AFTER UPDATE OF project, resolved, ignored, source ON errors
WHEN old.project IS NOT new.project OR old.resolved IS NOT new.resolved OR old.ignored IS NOT new.ignored OR old.source IS NOT new.source BEGIN
  UPDATE error_group_counts SET groups = groups - 1
  WHERE project = old.project AND resolved = old.resolved AND ignored = old.ignored AND source = old.source;
  INSERT INTO error_group_counts (project, resolved, ignored, source, groups) VALUES (new.project, new.resolved, new.ignored, new.source, 1)
  ON CONFLICT (project, resolved, ignored, source) DO UPDATE SET groups = groups + 1;
END;
