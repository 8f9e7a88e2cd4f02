-- 005 (PostgreSQL): the traceback lives off the group row, which every report rewrites.

CREATE TABLE error_tracebacks (
  error_id   bigint PRIMARY KEY REFERENCES errors (id) ON DELETE CASCADE,
  traceback  text NOT NULL
);
