-- 005: the traceback moves off the group row, which every report rewrites.

-- A 2-4 KB traceback made the errors row about a page long: each report dirtied a whole page to bump
-- a count, and every list scan, count and search read 3 KB per group. Here it is written when the
-- group is created and rewritten only when a report brings a different one (the group still shows
-- the latest). One row per group, deleted with it.
CREATE TABLE error_tracebacks (
  error_id   INTEGER PRIMARY KEY REFERENCES errors (id) ON DELETE CASCADE,
  traceback  TEXT NOT NULL
) STRICT;

INSERT INTO error_tracebacks (error_id, traceback) SELECT id, traceback FROM errors;

ALTER TABLE errors DROP COLUMN traceback;
