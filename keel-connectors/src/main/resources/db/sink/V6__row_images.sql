-- row_image: the upsert's undo of a target in a table of the target's own row type (since V6, owned by
-- dev.keel.connectors.postgres.RowImages): keel_sink.row_image_<id>, made by the first versioned
-- upsert into the target, holds (_keel_version, _keel_chunk, _keel_op, every column of the target),
-- one tuple per row the upsert wrote: op 'u' the prior row as it was, op 'i' the key alone of a row it
-- inserted. Written by the upsert statement itself with no conversion to text and no aggregation
-- (measured: about half the cost of V5's text images in batches); a BRIN index on _keel_version
-- for pruning and rollback, which read by version. row_version keeps everything else (replace, append,
-- the keys of a direct COPY, a rollback's own undo) and what was recorded before V6, which still
-- rolls back as it was written: nothing to convert.
CREATE TABLE row_image (
  id     bigserial PRIMARY KEY,
  target text NOT NULL UNIQUE
);
