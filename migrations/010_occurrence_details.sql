-- 008: each occurrence keeps the rest of its event (user, tags, breadcrumbs, contexts, chain...).

-- JSON text, or deflate-compressed JSON (a BLOB) when that is much smaller: see
-- src/store/occurrence-details.ts. NULL for reports that sent nothing beyond the spec's fields.
ALTER TABLE error_occurrences ADD COLUMN details ANY;

-- Tags first class: per group, how often each value of each tag was seen. The event's tags plus
-- release, environment, level, user.id and user.email. A tag keeps its first 20 distinct values;
-- later new values count under '' ("other"). A group keeps at most 1,000 rows: a client inventing
-- tag names cannot grow it without bound.
CREATE TABLE error_tags (
  error_id  INTEGER NOT NULL REFERENCES errors (id) ON DELETE CASCADE,
  key       TEXT NOT NULL,
  value     TEXT NOT NULL,
  count     INTEGER NOT NULL,
  PRIMARY KEY (error_id, key, value)
) STRICT, WITHOUT ROWID;

-- The list's tag filters: the groups that saw a value.
CREATE INDEX error_tags_by_value ON error_tags (key, value, error_id);
