-- Fewer index entries per task transition. The task row changes state on every claim and
-- completion, so no such update is HOT and each one adds an entry to every index whose predicate
-- the new row matches: a claim added five (primary key, (run_id, partition), task_running,
-- task_lease, task_open), a completion three. The running rows are few (at most the slots of the
-- cluster), so one partial index on them serves every running lookup: the heartbeat (by owner) and
-- the reaper (by lease) scan it whole, the run refresh probes it by run. The refresh's "open" probe
-- becomes two probes, queued and running; the queued index gets no entry on a claim. A claim now
-- adds three entries. lease_until is no longer indexed, so a lease renewal can be a HOT update.
DROP INDEX task_lease;
DROP INDEX task_running;
DROP INDEX task_open;
CREATE INDEX task_running ON task (run_id) WHERE state = 'running';
CREATE INDEX task_waiting ON task (run_id) WHERE state = 'queued';
