-- 007 (PostgreSQL): how many groups each (project, status, source) has, kept by triggers, so a
-- list's total is a sum over a few rows instead of a count over every matching group.

CREATE TABLE error_group_counts (
  project   text NOT NULL,
  resolved  boolean NOT NULL,
  source    text NOT NULL,
  groups    bigint NOT NULL,
  PRIMARY KEY (project, resolved, source)
);

CREATE FUNCTION error_group_counts_sync() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP IN ('UPDATE', 'DELETE') THEN
    UPDATE error_group_counts SET groups = groups - 1
    WHERE project = OLD.project AND resolved = OLD.resolved AND source = OLD.source;
  END IF;
  IF TG_OP IN ('UPDATE', 'INSERT') THEN
    INSERT INTO error_group_counts (project, resolved, source, groups) VALUES (NEW.project, NEW.resolved, NEW.source, 1)
    ON CONFLICT (project, resolved, source) DO UPDATE SET groups = error_group_counts.groups + 1;
  END IF;
  RETURN NULL;
END $$;

CREATE TRIGGER errors_group_count_insert AFTER INSERT ON errors FOR EACH ROW EXECUTE FUNCTION error_group_counts_sync();
CREATE TRIGGER errors_group_count_delete AFTER DELETE ON errors FOR EACH ROW EXECUTE FUNCTION error_group_counts_sync();
-- A repeat report sets none of these columns; resolving, reopening and a change of source do.
CREATE TRIGGER errors_group_count_update AFTER UPDATE OF project, resolved, source ON errors FOR EACH ROW
  WHEN (OLD.project IS DISTINCT FROM NEW.project OR OLD.resolved IS DISTINCT FROM NEW.resolved OR OLD.source IS DISTINCT FROM NEW.source)
  EXECUTE FUNCTION error_group_counts_sync();
