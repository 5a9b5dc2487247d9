-- A run's state is derived from its tasks after every task transition; these partial indexes let
-- that be a few index probes instead of a count over all of the run's tasks.
CREATE INDEX task_open ON task (run_id, state) WHERE state IN ('queued', 'running');
CREATE INDEX task_done ON task (run_id, state) WHERE state IN ('succeeded', 'failed');
