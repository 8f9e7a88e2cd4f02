-- 007: how many groups each (project, status, source) has, kept by triggers, so a list's total is a
-- sum over a few rows instead of a count over every matching group (the UI's default view counted
-- 100,000 index entries per page view at 100,000 groups).

CREATE TABLE error_group_counts (
  project   TEXT NOT NULL,
  resolved  INTEGER NOT NULL,
  source    TEXT NOT NULL,
  groups    INTEGER NOT NULL,
  PRIMARY KEY (project, resolved, source)
) STRICT, WITHOUT ROWID;

INSERT INTO error_group_counts (project, resolved, source, groups)
SELECT project, resolved, source, count(*) FROM errors GROUP BY project, resolved, source;

CREATE TRIGGER errors_group_count_insert AFTER INSERT ON errors BEGIN
  INSERT INTO error_group_counts (project, resolved, source, groups) VALUES (new.project, new.resolved, new.source, 1)
  ON CONFLICT (project, resolved, source) DO UPDATE SET groups = groups + 1;
END;

CREATE TRIGGER errors_group_count_delete AFTER DELETE ON errors BEGIN
  UPDATE error_group_counts SET groups = groups - 1
  WHERE project = old.project AND resolved = old.resolved AND source = old.source;
END;

-- A repeat report sets none of these columns, so it never fires this trigger; resolving,
-- reopening and a change of source do.
CREATE TRIGGER errors_group_count_update AFTER UPDATE OF project, resolved, source ON errors
WHEN old.project IS NOT new.project OR old.resolved IS NOT new.resolved OR old.source IS NOT new.source BEGIN
  UPDATE error_group_counts SET groups = groups - 1
  WHERE project = old.project AND resolved = old.resolved AND source = old.source;
  INSERT INTO error_group_counts (project, resolved, source, groups) VALUES (new.project, new.resolved, new.source, 1)
  ON CONFLICT (project, resolved, source) DO UPDATE SET groups = groups + 1;
END;
