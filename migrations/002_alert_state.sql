-- 002: alert throttle state, so that a restart neither re-sends a storm nor forgets what was held back.

-- When each fingerprint last alerted; rows older than the cooldown are dropped on save.
CREATE TABLE alert_cooldowns (
  fingerprint  TEXT PRIMARY KEY,
  alerted_at   TEXT NOT NULL
) STRICT, WITHOUT ROWID;

-- When alerts went out in the last hour: the sliding-hour budget (ALERT_MAX_PER_HOUR).
CREATE TABLE alert_sends (
  id       INTEGER PRIMARY KEY,
  sent_at  TEXT NOT NULL
) STRICT;

-- What the throttle held back since the last alert that went out: counts, and a few examples.
CREATE TABLE alert_held (
  id                INTEGER PRIMARY KEY CHECK (id = 1),
  new_count         INTEGER NOT NULL,
  regression_count  INTEGER NOT NULL,
  since             TEXT NOT NULL,
  -- The earliest time one of them could have gone out on its own: the digest waits for it.
  due_at            TEXT NOT NULL
) STRICT;

CREATE TABLE alert_held_samples (
  id              INTEGER PRIMARY KEY,
  kind            TEXT NOT NULL CHECK (kind IN ('new', 'regression')),
  group_id        INTEGER NOT NULL,
  project         TEXT NOT NULL,
  exception_type  TEXT NOT NULL,
  message         TEXT NOT NULL,
  at              TEXT NOT NULL
) STRICT;
