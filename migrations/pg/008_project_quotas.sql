-- 008 (PostgreSQL): spike protection. A project's own quotas, the events dropped over quota per
-- project and hour, and (PostgreSQL only) the admissions per project and window, counted here so
-- that a quota holds across every instance.

CREATE TABLE project_quotas (
  project     text PRIMARY KEY,
  per_minute  integer,
  per_hour    integer
);

CREATE TABLE dropped_events (
  project  text NOT NULL,
  hour     text COLLATE "C" NOT NULL,
  count    bigint NOT NULL,
  PRIMARY KEY (project, hour)
);

-- window: 'm' plus the minute number since the epoch, or 'h' plus the hour number.
CREATE TABLE quota_windows (
  project   text NOT NULL,
  win       text COLLATE "C" NOT NULL,
  admitted  bigint NOT NULL,
  -- When the window ends (ms since the epoch): retention deletes the ended ones.
  ends_at   bigint NOT NULL,
  PRIMARY KEY (project, win)
);

-- Admits up to n events of a project if both windows have room (a limit of 0 is none); returns how
-- many, and which window was full. The two rows are locked in one order (hour, then minute), so
-- concurrent calls from several instances queue instead of over-admitting.
CREATE FUNCTION quota_admit(p text, mwin text, mends bigint, mlimit bigint, hwin text, hends bigint, hlimit bigint, n integer)
RETURNS TABLE (admitted integer, "full" text) LANGUAGE plpgsql AS $$
DECLARE
  h bigint;
  m bigint;
  room bigint := n;
BEGIN
  -- A lost count after a crash only admits a few more events: not worth a flush per request.
  PERFORM set_config('synchronous_commit', 'off', true);
  INSERT INTO quota_windows (project, win, admitted, ends_at) VALUES (p, hwin, 0, hends), (p, mwin, 0, mends)
  ON CONFLICT (project, win) DO NOTHING;
  SELECT w.admitted INTO h FROM quota_windows AS w WHERE w.project = p AND w.win = hwin FOR UPDATE;
  SELECT w.admitted INTO m FROM quota_windows AS w WHERE w.project = p AND w.win = mwin FOR UPDATE;
  IF hlimit > 0 THEN room := least(room, greatest(hlimit - h, 0)); END IF;
  IF mlimit > 0 THEN room := least(room, greatest(mlimit - m, 0)); END IF;
  IF room > 0 THEN
    UPDATE quota_windows AS w SET admitted = w.admitted + room WHERE w.project = p AND w.win IN (hwin, mwin);
  END IF;
  admitted := room;
  "full" := CASE WHEN room >= n THEN NULL WHEN hlimit > 0 AND h + room >= hlimit THEN 'hour' ELSE 'minute' END;
  RETURN NEXT;
END $$;
