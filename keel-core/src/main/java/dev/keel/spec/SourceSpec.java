package dev.keel.spec;

/**
 * Where a pipeline reads from: the parsed section of one source kind ({@code source.csv}, …), made
 * by that kind's {@link dev.keel.connector.SourceProvider}. Immutable; its {@code toString} shows
 * secrets only as their references.
 */
public interface SourceSpec {
  /** Default cap on one record (a line, or a CSV record with its quoted newlines). */
  long DEFAULT_MAX_RECORD_BYTES = 8L * 1024 * 1024;

  /** The YAML key of its kind, which names the provider that reads and opens it. */
  String kind();

  /**
   * For a source that continues across runs (a stream such as a Kafka topic), the name under which
   * the sink stores each partition's position with every publish ({@code kafka:orders}): a run then
   * starts after the position the partition's last publish stored, and its publish stores where it
   * stopped, in the same transaction. Null (the default) for a source that every run reads from the
   * start (a file, a query).
   */
  default String stream() {
    return null;
  }
}
