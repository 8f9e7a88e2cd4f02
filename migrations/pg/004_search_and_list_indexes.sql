-- 004 (PostgreSQL): substring search through pg_trgm.

-- pg_trgm is a trusted extension (PostgreSQL 13+): the database's owner may create it.
CREATE EXTENSION IF NOT EXISTS pg_trgm;

-- The searched text lives apart from the group row, which every report rewrites: an UPDATE writes a
-- new row version and every index of a changed row gets an entry, so a trigram index on errors would
-- be fed on every report. Here it changes only when the message does. Kept by triggers.
CREATE TABLE error_search (
  error_id  bigint PRIMARY KEY REFERENCES errors (id) ON DELETE CASCADE,
  -- type, message and file, separated by U+001F (no term spans two of them).
  body      text NOT NULL
);

CREATE INDEX error_search_trgm ON error_search USING gin (body gin_trgm_ops);

CREATE FUNCTION error_search_sync() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO error_search (error_id, body)
  VALUES (NEW.id, NEW.exception_type || chr(31) || NEW.message || chr(31) || NEW.file)
  ON CONFLICT (error_id) DO UPDATE SET body = excluded.body;
  RETURN NULL;
END $$;

CREATE TRIGGER errors_search_insert AFTER INSERT ON errors FOR EACH ROW EXECUTE FUNCTION error_search_sync();
CREATE TRIGGER errors_search_update AFTER UPDATE OF exception_type, message, file ON errors FOR EACH ROW
  WHEN (OLD.exception_type IS DISTINCT FROM NEW.exception_type OR OLD.message IS DISTINCT FROM NEW.message OR OLD.file IS DISTINCT FROM NEW.file)
  EXECUTE FUNCTION error_search_sync();
