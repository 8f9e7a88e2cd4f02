-- 004: substring search through a trigram index; list indexes that every report no longer has to rewrite.

-- Search matches a substring of the type or the message. The trigram index finds the candidate
-- groups without reading every row; the store keeps its LIKE as the exact test (ASCII case folding).
-- External content: the text is stored once, in errors.
CREATE VIRTUAL TABLE errors_fts USING fts5 (
  exception_type, message,
  content = 'errors', content_rowid = 'id',
  tokenize = 'trigram'
);

CREATE TRIGGER errors_fts_insert AFTER INSERT ON errors BEGIN
  INSERT INTO errors_fts (rowid, exception_type, message) VALUES (new.id, new.exception_type, new.message);
END;

CREATE TRIGGER errors_fts_delete AFTER DELETE ON errors BEGIN
  INSERT INTO errors_fts (errors_fts, rowid, exception_type, message) VALUES ('delete', old.id, old.exception_type, old.message);
END;

-- Every report sets the message; only an actual change touches the index.
CREATE TRIGGER errors_fts_update AFTER UPDATE OF exception_type, message ON errors
WHEN old.exception_type IS NOT new.exception_type OR old.message IS NOT new.message BEGIN
  INSERT INTO errors_fts (errors_fts, rowid, exception_type, message) VALUES ('delete', old.id, old.exception_type, old.message);
  INSERT INTO errors_fts (rowid, exception_type, message) VALUES (new.id, new.exception_type, new.message);
END;

INSERT INTO errors_fts (errors_fts) VALUES ('rebuild');

-- Counts for the UI's default view of a project (unresolved): without it the planner walks
-- errors_resolved_last_seen and reads every unresolved row. No last_seen in it, and ingest only
-- touches `resolved` when it reopens a group, so reports do not rewrite it.
CREATE INDEX errors_project_resolved ON errors (project, resolved);

-- Counts for the default view (unresolved) and the source filter: narrower than the last_seen
-- indexes, so counting 100,000 groups reads a third of the pages. Ingest sets `resolved` and
-- `source` only when they change.
CREATE INDEX errors_resolved_source ON errors (resolved, source);
