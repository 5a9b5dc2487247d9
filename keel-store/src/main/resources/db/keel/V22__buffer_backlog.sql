-- buffer_backlog: for each buffered pipeline (buffer: in its file), what waits in the buffer per
-- load partition: the position the sink stored last (kept so the backlog can still be measured
-- while the sink is down: a position only moves with a publish into the sink), the records after
-- it, and when the oldest of them entered the buffer. Written by every node's backlog check, read
-- by keel status, the keel_buffer_backlog_* metrics and the buffer_backlog alert. Owned by
-- dev.keel.store.BufferBacklogs.
CREATE TABLE buffer_backlog (
  pipeline    text        NOT NULL,
  partition   text        NOT NULL,
  position    text,
  records     bigint      NOT NULL,
  oldest_at   timestamptz,
  measured_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (pipeline, partition)
);
