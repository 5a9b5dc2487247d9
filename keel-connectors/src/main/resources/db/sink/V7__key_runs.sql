-- keep_versions after an upsert COPYed straight into an empty target (owned by
-- dev.keel.connectors.postgres.LoadVersions#recordCopied): with a one-column integer key whose values
-- come in runs of consecutive integers, row_version holds op 'r' rows, keys = {first, last} of a run
-- (inclusive), instead of op 'i' rows listing every key: a rollback deletes each key of each run.
COMMENT ON COLUMN row_version.op IS
  'upsert: u = images (prior rows), i = keys (inserted rows), r = keys {first, last}: every integer key of that run inserted; replace: d = images; append: a = hashes, d = images and hashes';
