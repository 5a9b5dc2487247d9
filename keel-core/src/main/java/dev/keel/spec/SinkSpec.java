package dev.keel.spec;

/**
 * Where a pipeline publishes: the parsed section of one sink kind ({@code sink.postgres}), made by
 * that kind's {@link dev.keel.connector.SinkProvider}. Immutable; its {@code toString} shows
 * secrets only as their references.
 */
public interface SinkSpec {

  enum Mode {
    /** INSERT … ON CONFLICT (key) DO UPDATE: re-publishing is idempotent. */
    UPSERT,
    /** Plain insert, exactly once per run: a load id recorded in the publish transaction. */
    APPEND,
    /**
     * The partition's previous rows (by {@code partitionColumn}, or the whole table) are swapped.
     */
    REPLACE
  }

  /** When rows become visible in the target. */
  enum Commit {
    /** The whole partition in one transaction: all or nothing (the default). */
    PARTITION,
    /**
     * Every {@code chunk_rows} rows, each chunk with a checkpoint of the source position in the
     * same transaction, so a task killed mid-partition resumes after the last chunk. The unique
     * rule and max_rejected apply per chunk and to the running totals; chunks already published
     * stay.
     */
    CHUNK
  }

  long DEFAULT_CHUNK_ROWS = 100_000;

  /** The YAML key of its kind, which names the provider that reads it and creates the sink. */
  String kind();

  Mode mode();

  Commit commit();

  /** Rows per published chunk under {@link Commit#CHUNK}. */
  long chunkRows();

  /** The target as a person names it, e.g. {@code public.orders}. */
  String target();

  /**
   * The address the sink connects to, which tells apart sinks that fail together (one circuit
   * breaker per endpoint); null for the metadata database. It may hold credentials: redact it
   * before showing.
   */
  String endpoint();

  /**
   * How many loads of each partition the sink keeps so that a rollback can undo them ({@code
   * keep_versions}); 0 when it keeps none (every kind but one that says otherwise).
   */
  default int keepVersions() {
    return 0;
  }

  /**
   * This sink publishing in another mode ({@code keel replay} appends what a replace run rejected).
   */
  SinkSpec withMode(Mode mode);

  /** The columns that identify a row in the target (upsert), or none. */
  default java.util.List<String> key() {
    return java.util.List.of();
  }
}
