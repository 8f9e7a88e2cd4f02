-- 010 (PostgreSQL): each occurrence keeps the rest of its event; tags counted per group.

-- JSON text; PostgreSQL compresses a large value itself (TOAST), so no deflate as in SQLite.
ALTER TABLE error_occurrences ADD COLUMN details text;

CREATE TABLE error_tags (
  error_id  bigint NOT NULL REFERENCES errors (id) ON DELETE CASCADE,
  key       text NOT NULL,
  value     text NOT NULL,
  count     bigint NOT NULL,
  PRIMARY KEY (error_id, key, value)
);

CREATE INDEX error_tags_by_value ON error_tags (key, value, error_id);
