-- 012: per-project alerts (issue 19): which rules fire for a project, and its own chat and webhook
-- channels. A channel's URL and token are secrets: the API shows them redacted and logs never
-- carry them; they are stored as given, since delivering needs them whole.

CREATE TABLE project_alert_rules (
  project            TEXT PRIMARY KEY,
  new_group          INTEGER NOT NULL DEFAULT 1 CHECK (new_group IN (0, 1)),
  regression         INTEGER NOT NULL DEFAULT 1 CHECK (regression IN (0, 1)),
  -- Spike: more than spike_events in spike_minutes (and spike_times_usual times the usual hourly
  -- rate, when set). NULL events: off.
  spike_events       INTEGER,
  spike_minutes      INTEGER,
  spike_times_usual  REAL,
  -- Impact: impact_users distinct users in an hour. NULL: off.
  impact_users       INTEGER,
  -- NULL follows ALERT_COOLDOWN_SECONDS.
  cooldown_minutes   INTEGER
) STRICT;

CREATE TABLE project_alert_channels (
  id          INTEGER PRIMARY KEY,
  project     TEXT NOT NULL,
  kind        TEXT NOT NULL CHECK (kind IN ('slack', 'discord', 'teams', 'ntfy', 'mattermost', 'webhook')),
  url         TEXT NOT NULL,
  -- ntfy access token, or the generic webhook's own HMAC secret.
  token       TEXT,
  created_at  TEXT NOT NULL
) STRICT;

CREATE INDEX project_alert_channels_by_project ON project_alert_channels (project, id);
