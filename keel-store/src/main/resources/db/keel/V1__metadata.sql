-- keel metadata: pipeline versions (the config backup), runs, tasks (one per partition, with
-- lease and fence), attempts, checkpoints and dead letters. Owned by dev.keel.store.
CREATE SEQUENCE fence_seq;

CREATE TABLE pipeline_version (
  id          bigserial PRIMARY KEY,
  pipeline    text        NOT NULL,
  hash        text        NOT NULL,
  spec        text        NOT NULL,
  source_file text,
  created_at  timestamptz NOT NULL DEFAULT now(),
  UNIQUE (pipeline, hash)
);

CREATE TABLE run (
  id           bigserial PRIMARY KEY,
  pipeline     text        NOT NULL,
  version_id   bigint      NOT NULL REFERENCES pipeline_version (id),
  trigger      text        NOT NULL,
  logical_time timestamptz NOT NULL,
  state        text        NOT NULL DEFAULT 'queued' CHECK (state IN ('queued', 'running', 'succeeded', 'failed')),
  created_at   timestamptz NOT NULL DEFAULT now(),
  finished_at  timestamptz,
  -- scheduling is idempotent: any number of nodes seeing one tick create one run
  UNIQUE (pipeline, trigger, logical_time)
);

CREATE TABLE task (
  id             bigserial PRIMARY KEY,
  run_id         bigint      NOT NULL REFERENCES run (id) ON DELETE CASCADE,
  pipeline       text        NOT NULL,
  partition      text        NOT NULL,
  state          text        NOT NULL DEFAULT 'queued' CHECK (state IN ('queued', 'running', 'succeeded', 'failed')),
  attempt        int         NOT NULL DEFAULT 0,
  max_attempts   int         NOT NULL,
  due_at         timestamptz NOT NULL DEFAULT now(),
  owner          text,
  lease_until    timestamptz,
  fence          bigint      NOT NULL DEFAULT 0,
  rows_read      bigint,
  rows_filtered  bigint,
  rows_rejected  bigint,
  rows_published bigint,
  error          text,
  started_at     timestamptz,
  finished_at    timestamptz,
  UNIQUE (run_id, partition)
);
CREATE INDEX task_queued ON task (due_at, id) WHERE state = 'queued';
CREATE INDEX task_running ON task (owner) WHERE state = 'running';

CREATE TABLE task_attempt (
  task_id     bigint      NOT NULL REFERENCES task (id) ON DELETE CASCADE,
  attempt     int         NOT NULL,
  node        text        NOT NULL,
  fence       bigint      NOT NULL,
  started_at  timestamptz NOT NULL DEFAULT now(),
  finished_at timestamptz,
  outcome     text,
  error       text,
  PRIMARY KEY (task_id, attempt)
);

CREATE TABLE checkpoint (
  task_id    bigint PRIMARY KEY REFERENCES task (id) ON DELETE CASCADE,
  position   text        NOT NULL,
  rows_done  bigint      NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE dead_letter (
  id         bigserial PRIMARY KEY,
  pipeline   text        NOT NULL,
  run_id     bigint      NOT NULL,
  task_id    bigint      NOT NULL,
  partition  text        NOT NULL,
  attempt    int         NOT NULL,
  position   bigint      NOT NULL,
  raw        text,
  reason     text        NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX dead_letter_lookup ON dead_letter (pipeline, partition, run_id);

CREATE TABLE node (
  id           text PRIMARY KEY,
  host         text,
  pid          bigint,
  http_port    int,
  started_at   timestamptz NOT NULL DEFAULT now(),
  heartbeat_at timestamptz NOT NULL DEFAULT now(),
  state        text        NOT NULL DEFAULT 'alive'
);
