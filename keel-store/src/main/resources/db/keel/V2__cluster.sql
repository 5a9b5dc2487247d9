-- Cluster coordination (issue 3): per-task retry backoff for the reaper, one attempt row per claim,
-- the reaper's index, pipeline versions ordered by when they became current, and the problems of
-- pipeline files a node could not load.

-- The reaper requeues an expired lease after the pipeline's backoff; the run carries it.
ALTER TABLE task ADD COLUMN backoff_ms bigint NOT NULL DEFAULT 1000;
ALTER TABLE task ADD COLUMN max_backoff_ms bigint NOT NULL DEFAULT 60000;

-- A released task (drain) gives its attempt back, so attempt numbers repeat; the fence never does.
ALTER TABLE task_attempt DROP CONSTRAINT task_attempt_pkey;
ALTER TABLE task_attempt ADD PRIMARY KEY (task_id, fence);
CREATE INDEX task_attempt_node ON task_attempt (node);

CREATE INDEX task_lease ON task (lease_until) WHERE state = 'running';

-- A file changed back to an earlier text reuses that version; current_at says which is newest.
ALTER TABLE pipeline_version ADD COLUMN current_at timestamptz NOT NULL DEFAULT now();

CREATE TABLE pipeline_problem (
  source_file text PRIMARY KEY,
  pipeline    text,
  problem     text        NOT NULL,
  node        text        NOT NULL,
  seen_at     timestamptz NOT NULL DEFAULT now()
);

ALTER TABLE node ADD COLUMN tasks_held int NOT NULL DEFAULT 0;
