-- 014: the alert outbox. An alert is written in the same transaction as the report that caused it,
-- then decided by the throttle and delivered to each channel by the sender, across restarts.

-- One row per alert: written by the ingest transaction ('pending'), decided by the throttle
-- ('sending' with the held-back summary it carries, or 'held': counted in a later summary instead),
-- 'done' when every channel is final.
CREATE TABLE alert_outbox (
  id           INTEGER PRIMARY KEY,
  created_at   TEXT NOT NULL,
  rule         TEXT NOT NULL CHECK (rule IN ('new', 'regression', 'spike', 'impact', 'digest')),
  -- No foreign key: an alert outlives the group retention may delete meanwhile.
  group_id     INTEGER,
  project      TEXT,
  -- The throttle's cooldown key (the group's fingerprint, with the rule for spike and impact).
  cooldown_key TEXT,
  -- JSON: what the alert says (type, message, crash frame, counts, the rule's numbers).
  payload      TEXT NOT NULL,
  state        TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'held', 'sending', 'done')),
  -- JSON HeldAlerts this alert carries (held back before it), set when it is decided.
  held         TEXT,
  decided_at   TEXT
) STRICT;

-- The sender's work list: small, because decided rows leave it.
CREATE INDEX alert_outbox_open ON alert_outbox (state, id) WHERE state IN ('pending', 'sending');
-- Retention, and the rule memory read at start.
CREATE INDEX alert_outbox_created ON alert_outbox (created_at);

-- One row per alert and channel, written when the alert is decided: the unit of retry and of "sent once".
CREATE TABLE alert_deliveries (
  outbox_id    INTEGER NOT NULL REFERENCES alert_outbox (id) ON DELETE CASCADE,
  channel_id   TEXT NOT NULL,
  state        TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'sent', 'failed')),
  attempts     INTEGER NOT NULL DEFAULT 0,
  -- When the next attempt may start (backoff, Retry-After).
  next_at      TEXT NOT NULL,
  -- When the sender stops trying (ALERT_RETRY_MINUTES after the decision).
  give_up_at   TEXT NOT NULL,
  last_status  INTEGER,
  last_error   TEXT,
  done_at      TEXT,
  PRIMARY KEY (outbox_id, channel_id)
) STRICT, WITHOUT ROWID;

CREATE INDEX alert_deliveries_due ON alert_deliveries (channel_id, next_at) WHERE state = 'pending';

-- The last delivery's result per channel (the Projects page and the alerts API show it).
CREATE TABLE alert_channel_results (
  channel_id  TEXT PRIMARY KEY,
  at          TEXT NOT NULL,
  ok          INTEGER NOT NULL,
  status      INTEGER,
  error       TEXT
) STRICT, WITHOUT ROWID;

-- Spike and impact alerts held back are counted like new errors and regressions.
ALTER TABLE alert_held ADD COLUMN spike_count INTEGER NOT NULL DEFAULT 0;
ALTER TABLE alert_held ADD COLUMN impact_count INTEGER NOT NULL DEFAULT 0;

-- The sample kinds grow by two; SQLite changes a CHECK only by rebuilding the (small) table.
CREATE TABLE alert_held_samples_new (
  id              INTEGER PRIMARY KEY,
  kind            TEXT NOT NULL CHECK (kind IN ('new', 'regression', 'spike', 'impact')),
  group_id        INTEGER NOT NULL,
  project         TEXT NOT NULL,
  exception_type  TEXT NOT NULL,
  message         TEXT NOT NULL,
  at              TEXT NOT NULL
) STRICT;
INSERT INTO alert_held_samples_new SELECT id, kind, group_id, project, exception_type, message, at FROM alert_held_samples;
DROP TABLE alert_held_samples;
ALTER TABLE alert_held_samples_new RENAME TO alert_held_samples;
