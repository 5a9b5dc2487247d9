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

  /** When rows become visible in the target. */
  enum Commit {
    /** The whole partition in one transaction: all or nothing (the default). */
    PARTITION,
    /**
     * Every {@code chunk_rows} rows, each chunk with a checkpoint of the source position in the same
     * transaction, so a task killed mid-partition resumes after the last chunk. The unique rule and
     * max_rejected apply per chunk and to the running totals; chunks already published stay.
     */
    CHUNK
  }

  long DEFAULT_CHUNK_ROWS = 100_000;

  /**
   * A PostgreSQL table. {@code url} null means the metadata database (embedded, or --db). Rows are
   * staged with COPY and published in one transaction together with the fence check. {@code
   * allowEmpty} (replace only): a source that yields no records may empty the partition; without it
   * such a publish is refused.
   */
  record Postgres(
      Secret url,
      Secret user,
      Secret password,
      String schema,
      String table,
      List<String> key,
      Mode mode,
      String partitionColumn,
      Commit commit,
      long chunkRows,
      boolean allowEmpty)
      implements SinkSpec {}
}
