-- Versioned loads (sink.postgres.keep_versions), owned by dev.keel.connectors.postgres.LoadVersions.
-- version: one row per load of a target partition (a run's publish, or a rollback), written in the
-- publish transaction; the newest keep_versions + 1 of each partition are kept, and the row images of
-- the newest keep_versions (undoable), which is what a rollback to any of their runs needs.
CREATE TABLE version (
  id           bigserial   PRIMARY KEY,
  target       text        NOT NULL,
  partition    text        NOT NULL,
  load_id      text        NOT NULL,
  run_id       bigint,               -- null for a rollback
  restored_run bigint,               -- a rollback: the run whose state it restored
  mode         text        NOT NULL, -- upsert | append | replace: how row_version describes it
  inserted     bigint      NOT NULL DEFAULT 0,
  updated      bigint      NOT NULL DEFAULT 0,
  deleted      bigint      NOT NULL DEFAULT 0,
  undoable     boolean     NOT NULL DEFAULT true,
  published_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (target, partition, load_id)
);
CREATE INDEX version_partition ON version (target, partition, id);
-- row_version: what undoes a version, by its mode (no foreign key: a check per row would cost a
-- publish of a million rows a million trigger calls; LoadVersions deletes them together).
--   upsert:  op 'u' = the key and the prior image of a row it updated; 'i' = the key of a row it inserted
--   replace: op 'd' = the prior image of a row of the partition it deleted
--   append:  op 'a' = the hash of a row it added; 'd' = the image and hash of a row it deleted
-- Images are PostgreSQL's own text form of the target's row type (record_out), read back by a cast to
-- that type: every column's type restores exactly, as COPY would.
CREATE TABLE row_version (
  version_id bigint NOT NULL,
  chunk      int    NOT NULL DEFAULT 0, -- the chunk of a chunked load that wrote it (upsert: oldest wins)
  op         "char" NOT NULL,
  key        text[],
  image      text,
  hash       uuid
);
CREATE INDEX row_version_version ON row_version (version_id);
