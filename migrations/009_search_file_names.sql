-- 008: search covers the crash frame's file too (a path or URL), through the same trigram index.

-- An FTS5 table cannot gain a column: it is made again with three, its triggers with it, and filled
-- from the groups. The file is a grouping field, set when a group is created and never changed by a
-- report, so repeats still touch the index only when the message changes.
DROP TRIGGER errors_fts_insert;
DROP TRIGGER errors_fts_delete;
DROP TRIGGER errors_fts_update;
DROP TABLE errors_fts;

CREATE VIRTUAL TABLE errors_fts USING fts5 (
  exception_type, message, file,
  content = 'errors', content_rowid = 'id',
  tokenize = 'trigram'
);

CREATE TRIGGER errors_fts_insert AFTER INSERT ON errors BEGIN
  INSERT INTO errors_fts (rowid, exception_type, message, file) VALUES (new.id, new.exception_type, new.message, new.file);
END;

CREATE TRIGGER errors_fts_delete AFTER DELETE ON errors BEGIN
  INSERT INTO errors_fts (errors_fts, rowid, exception_type, message, file) VALUES ('delete', old.id, old.exception_type, old.message, old.file);
END;

CREATE TRIGGER errors_fts_update AFTER UPDATE OF exception_type, message, file ON errors
WHEN old.exception_type IS NOT new.exception_type OR old.message IS NOT new.message OR old.file IS NOT new.file BEGIN
  INSERT INTO errors_fts (errors_fts, rowid, exception_type, message, file) VALUES ('delete', old.id, old.exception_type, old.message, old.file);
  INSERT INTO errors_fts (rowid, exception_type, message, file) VALUES (new.id, new.exception_type, new.message, new.file);
END;

INSERT INTO errors_fts (errors_fts) VALUES ('rebuild');
