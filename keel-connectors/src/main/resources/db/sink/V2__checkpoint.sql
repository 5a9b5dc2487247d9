-- checkpoint: how far a chunked publish of a run's partition got, committed in the same transaction
-- as the chunk it describes; a resumed attempt continues after `position` in the source.
CREATE TABLE checkpoint (
  load_id        text PRIMARY KEY,
  target         text        NOT NULL,
  position       text        NOT NULL,
  chunks         int         NOT NULL,
  rows_read      bigint      NOT NULL,
  rows_filtered  bigint      NOT NULL,
  rows_rejected  bigint      NOT NULL,
  rows_published bigint      NOT NULL,
  fence          bigint      NOT NULL,
  updated_at     timestamptz NOT NULL DEFAULT now()
);
