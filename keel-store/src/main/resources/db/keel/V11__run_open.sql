-- The reaper's sweep of runs whose stored state fell behind their tasks (a refresh lost between a
-- task's commit and the run's refresh): it reads the open runs, which are few, every tick.
CREATE INDEX run_open ON run (id) WHERE state IN ('queued', 'running');
