-- Time-partitioned pipelines (issue 18), owned by dev.keel.store.Windows.

-- Windows the scheduler did not create after the cluster was down longer than --catch-up windows:
-- keel status lists them; keel backfill loads them. One row per gap, written by whichever node saw
-- it first.
CREATE TABLE window_skip (
  pipeline     text        NOT NULL,
  first_window text        NOT NULL,
  last_window  text        NOT NULL,
  windows      int         NOT NULL,
  skipped_at   timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (pipeline, first_window)
);

-- Per pipeline, the newest loaded window and the newest closed one, as the nodes' freshness check
-- last saw them (keel status, keel_window_lag_seconds).
CREATE TABLE window_state (
  pipeline       text PRIMARY KEY,
  newest_loaded  text,
  loaded_end     timestamptz,
  newest_closed  text,
  closed_at      timestamptz,
  checked_at     timestamptz NOT NULL DEFAULT now()
);

-- Whether a window's cells succeeded: probes by pipeline and partition among the succeeded tasks.
CREATE INDEX task_succeeded ON task (pipeline, partition) WHERE state = 'succeeded';
