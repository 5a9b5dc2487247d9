-- Node-level alerts (issue 5): node lost, run late, rejected ratio, detected by the nodes' loops.
-- keel.alert_enqueue looks up the last action of an incident key on every call (and the task
-- trigger calls it on every success): an index makes that a probe instead of a scan of the outbox.
CREATE INDEX alert_outbox_key ON alert_outbox (dedup_key, id);
-- Tasks that rejected rows, by when they finished: the rejected-ratio check reads the recent ones.
-- Partial, so the common completion without rejects does not pay for it.
CREATE INDEX task_rejecting ON task (finished_at) WHERE rows_rejected > 0;
