-- 015 (PostgreSQL): triage (issue 18): first-seen release, ignore (mute) and resolve-in-release state,
-- distinct users per group, per-release regressions, and the indexes of the list's other sorts.

-- The release of the group's first occurrence (`release` stays that of the newest one).
ALTER TABLE errors ADD COLUMN first_release text;
-- Ignored (muted): hidden from the default list, no alerts; wakes as a regression when one of its
-- conditions is met (absolute thresholds: the count or users figure at which it wakes).
ALTER TABLE errors ADD COLUMN ignored boolean NOT NULL DEFAULT false;
ALTER TABLE errors ADD COLUMN ignore_until text COLLATE "C";
ALTER TABLE errors ADD COLUMN ignore_until_count bigint;
ALTER TABLE errors ADD COLUMN ignore_until_users bigint;
-- Resolved in a release: occurrences of this release or an older one leave the group resolved.
ALTER TABLE errors ADD COLUMN resolved_in text;
-- Distinct users (estimate past the exact cap): the list's `users` and its sort. Written with the
-- sketch below, in the same transaction, under the group's lock (exact across instances).
ALTER TABLE errors ADD COLUMN users bigint NOT NULL DEFAULT 0;

-- The distinct-users sketch of a group (store/users-sketch.ts, the same bytes as SQLite's): hashes
-- only, never a user id. Merged under the group's lock by whichever instance writes the group.
CREATE TABLE error_users (
  error_id  bigint PRIMARY KEY REFERENCES errors (id) ON DELETE CASCADE,
  sketch    bytea NOT NULL
);

-- Regressions a release brought (a reopening occurrence of that release), counted as they happen.
ALTER TABLE releases ADD COLUMN regressions bigint NOT NULL DEFAULT 0;

-- The list's other sorts (sort=first_seen|count|users) walk an index and stop after a page.
CREATE INDEX errors_first_seen ON errors (first_seen DESC, id DESC);
CREATE INDEX errors_count ON errors (count DESC, id DESC);
CREATE INDEX errors_users ON errors (users DESC, id DESC);
-- status=ignored: few groups, found without walking the others.
CREATE INDEX errors_ignored_last_seen ON errors (last_seen DESC, id DESC) WHERE ignored;
-- A release's new groups, and the list filtered to a first-seen release.
CREATE INDEX errors_first_release ON errors (project, first_release) WHERE first_release IS NOT NULL;

-- Group totals gain the ignored dimension, so the default list (ignored hidden) still sums a few rows.
DROP TRIGGER errors_group_count_insert ON errors;
DROP TRIGGER errors_group_count_delete ON errors;
DROP TRIGGER errors_group_count_update ON errors;
DROP FUNCTION error_group_counts_sync();
DROP TABLE error_group_counts;

CREATE TABLE error_group_counts (
  project   text NOT NULL,
  resolved  boolean NOT NULL,
  ignored   boolean NOT NULL,
  source    text NOT NULL,
  groups    bigint NOT NULL,
  PRIMARY KEY (project, resolved, ignored, source)
);

INSERT INTO error_group_counts (project, resolved, ignored, source, groups)
SELECT project, resolved, ignored, source, count(*) FROM errors GROUP BY project, resolved, ignored, source;

CREATE FUNCTION error_group_counts_sync() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP IN ('UPDATE', 'DELETE') THEN
    UPDATE error_group_counts SET groups = groups - 1
    WHERE project = OLD.project AND resolved = OLD.resolved AND ignored = OLD.ignored AND source = OLD.source;
  END IF;
  IF TG_OP IN ('UPDATE', 'INSERT') THEN
    INSERT INTO error_group_counts (project, resolved, ignored, source, groups) VALUES (NEW.project, NEW.resolved, NEW.ignored, NEW.source, 1)
    ON CONFLICT (project, resolved, ignored, source) DO UPDATE SET groups = error_group_counts.groups + 1;
  END IF;
  RETURN NULL;
END $$;

CREATE TRIGGER errors_group_count_insert AFTER INSERT ON errors FOR EACH ROW EXECUTE FUNCTION error_group_counts_sync();
CREATE TRIGGER errors_group_count_delete AFTER DELETE ON errors FOR EACH ROW EXECUTE FUNCTION error_group_counts_sync();
-- A repeat report sets none of these columns; triage, a wake-up and a change of source do.
CREATE TRIGGER errors_group_count_update AFTER UPDATE OF project, resolved, ignored, source ON errors FOR EACH ROW
  WHEN (OLD.project IS DISTINCT FROM NEW.project OR OLD.resolved IS DISTINCT FROM NEW.resolved
        OR OLD.ignored IS DISTINCT FROM NEW.ignored OR OLD.source IS DISTINCT FROM NEW.source)
  EXECUTE FUNCTION error_group_counts_sync();

-- The list's filters beside the searched text (004's error_search), so a search's total under them is
-- counted in that one table: joined to the groups it read every group or looked each match up
-- (a common term under status=unresolved: 140 ms against 40 at 100,000 groups). Only triage, a
-- wake-up or a change of source rewrites them; a repeat report does not.
ALTER TABLE error_search ADD COLUMN project text, ADD COLUMN resolved boolean, ADD COLUMN ignored boolean, ADD COLUMN source text;
UPDATE error_search AS s SET project = e.project, resolved = e.resolved, ignored = e.ignored, source = e.source FROM errors AS e WHERE e.id = s.error_id;
ALTER TABLE error_search ALTER COLUMN project SET NOT NULL, ALTER COLUMN resolved SET NOT NULL, ALTER COLUMN ignored SET NOT NULL, ALTER COLUMN source SET NOT NULL;

CREATE OR REPLACE FUNCTION error_search_sync() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO error_search (error_id, body, project, resolved, ignored, source)
  VALUES (NEW.id, NEW.exception_type || chr(31) || NEW.message || chr(31) || NEW.file, NEW.project, NEW.resolved, NEW.ignored, NEW.source)
  ON CONFLICT (error_id) DO UPDATE SET body = excluded.body;
  RETURN NULL;
END $$;

CREATE FUNCTION error_search_filters_sync() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE error_search SET project = NEW.project, resolved = NEW.resolved, ignored = NEW.ignored, source = NEW.source WHERE error_id = NEW.id;
  RETURN NULL;
END $$;

CREATE TRIGGER errors_search_filters AFTER UPDATE OF project, resolved, ignored, source ON errors FOR EACH ROW
  WHEN (OLD.project IS DISTINCT FROM NEW.project OR OLD.resolved IS DISTINCT FROM NEW.resolved
        OR OLD.ignored IS DISTINCT FROM NEW.ignored OR OLD.source IS DISTINCT FROM NEW.source)
  EXECUTE FUNCTION error_search_filters_sync();
