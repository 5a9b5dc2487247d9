package dev.keel.spec;

import java.util.List;

/** Where a pipeline publishes. */
public sealed interface SinkSpec {

  enum Mode {
    /** INSERT … ON CONFLICT (key) DO UPDATE: re-publishing is idempotent. */
    UPSERT,
    /** Plain insert, exactly once per run: a load id recorded in the publish transaction. */
    APPEND,
    /** The partition's previous rows (by {@code partitionColumn}, or the whole table) are swapped. */
    REPLACE
  }

  /**
   * A PostgreSQL table. {@code url} null means the metadata database (embedded, or --db). Rows are
   * staged with COPY and published in one transaction together with the fence check.
   */
  record Postgres(
      Secret url,
      Secret user,
      Secret password,
      String schema,
      String table,
      List<String> key,
      Mode mode,
      String partitionColumn)
      implements SinkSpec {}
}
