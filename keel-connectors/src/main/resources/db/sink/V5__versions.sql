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
-- row_version: what undoes a version, by its mode, in batches of up to 1,000 rows per row (arrays):
-- a million-row load writes a thousand rows here, which PostgreSQL compresses (TOAST), instead of a
-- million tuples with their headers, index entries and WAL (measured: 35 times smaller, and faster).
--   upsert:  op 'u' = images: the prior image of each row it updated; 'i' = keys: the key of each row
--            it inserted, as a text[] literal of the key's values
--   replace: op 'd' = images: the prior image of each row of the partition it deleted
--   append:  op 'a' = hashes: of each row it added; 'd' = images and their hashes: rows it deleted
-- Images are PostgreSQL's own text form of the target's row type (record_out), read back by a cast to
-- that type: every column's type restores exactly, as COPY would. No foreign key to version (a check
-- per row for nothing: LoadVersions deletes them together).
CREATE TABLE row_version (
  version_id bigint NOT NULL,
  chunk      int    NOT NULL DEFAULT 0, -- the chunk of a chunked load that wrote it (upsert: oldest wins)
  op         "char" NOT NULL,
  keys       text[],
  images     text[],
  hashes     uuid[]
);
CREATE INDEX row_version_version ON row_version (version_id);
