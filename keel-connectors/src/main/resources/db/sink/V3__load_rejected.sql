-- The records the publish itself rejected (repeated keys, rows a constraint of the target refused),
-- so that a retry after an in-doubt commit, which finds the load and publishes nothing again,
-- still counts them.
ALTER TABLE load ADD COLUMN rows_rejected bigint NOT NULL DEFAULT 0;
