-- keep_versions (owned by dev.keel.connectors.postgres.RowImages): a versioned upsert that stages at
-- least RowImages.OWN_TABLE_ROWS rows (100,000) records its prior rows in a table of its own version,
-- keel_sink.row_image_<id>_<version>, made in its publish transaction LIKE keel_sink.row_image_<id>;
-- pruning that version drops the table instead of deleting its rows from the shared one.
COMMENT ON TABLE row_image IS
  'one row per target whose versioned upserts record typed row images: row_image_<id> holds those of small loads, row_image_<id>_<version> those of a load of 100,000 rows or more';
