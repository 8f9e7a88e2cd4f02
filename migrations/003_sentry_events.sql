-- 003: event ids already stored per project, so an SDK or proxy that resends an event stores it once.

-- Bounded: the store forgets the oldest ids (by seq) beyond a fixed count and after a day, since
-- resends come within seconds; the table never grows with the total number of events.
CREATE TABLE sentry_events (
  seq          INTEGER PRIMARY KEY,
  project_id   INTEGER NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
  -- 32 lowercase hex characters.
  event_id     TEXT NOT NULL,
  received_at  TEXT NOT NULL,
  UNIQUE (project_id, event_id)
) STRICT;
