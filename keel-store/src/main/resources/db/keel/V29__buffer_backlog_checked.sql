-- The buffer backlog is measured by one node per interval, not by every node: a node claims a
-- pipeline's measurement by moving checked_at on (BufferBacklogs.claim); measured_at stays the time
-- of the last measurement that succeeded.
ALTER TABLE buffer_backlog ADD COLUMN checked_at timestamptz NOT NULL DEFAULT now();
