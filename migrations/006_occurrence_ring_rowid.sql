-- 006: the ring of occurrences becomes a rowid table, so overwriting a slot rewrites one page.

-- An occurrence carries the request's headers and extra, often 1-3 KB. A WITHOUT ROWID table keeps
-- only about a quarter of a page of each row on its leaf and spills the rest to overflow pages, so
-- every report rewrote two or three pages and churned the free list (SQLite advises WITHOUT ROWID
-- for small rows only). In a rowid table a row of up to ~4 KB stays on its leaf page, and the
-- (error_id, slot) key sits in a small index that an overwrite in place leaves untouched.
CREATE TABLE error_occurrences_ring (
  error_id         INTEGER NOT NULL REFERENCES errors (id) ON DELETE CASCADE,
  slot             INTEGER NOT NULL CHECK (slot BETWEEN 0 AND 4),
  -- The group's count when this occurrence arrived: orders the ring newest first.
  seq              INTEGER NOT NULL,
  timestamp        TEXT NOT NULL,
  message          TEXT NOT NULL DEFAULT '',
  request_url      TEXT,
  request_method   TEXT,
  request_headers  TEXT,
  user_id          TEXT,
  extra            TEXT,
  release          TEXT,
  environment      TEXT,
  PRIMARY KEY (error_id, slot)
) STRICT;

INSERT INTO error_occurrences_ring (error_id, slot, seq, timestamp, message, request_url, request_method,
                                    request_headers, user_id, extra, release, environment)
SELECT error_id, slot, seq, timestamp, message, request_url, request_method, request_headers, user_id, extra, release, environment
FROM error_occurrences;

DROP TABLE error_occurrences;
ALTER TABLE error_occurrences_ring RENAME TO error_occurrences;
