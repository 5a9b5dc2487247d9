package dev.keel.connector;

import dev.keel.record.RecordSource;
import dev.keel.spec.Column;
import dev.keel.spec.ConfigSection;
import dev.keel.spec.PartitionRef;
import dev.keel.spec.SourceSpec;
import java.nio.file.Path;
import java.util.List;

/**
 * A kind of source, found with {@link java.util.ServiceLoader}: a class named in {@code
 * META-INF/services/dev.keel.connector.SourceProvider} of the jar that brings it. Its {@link
 * #kind()} is the key under {@code source:} in a pipeline file ({@code csv}, {@code jsonl}, {@code
 * jdbc}).
 */
public interface SourceProvider {
  /** The YAML key of this kind: lower case, unique among the sources on the class path. */
  String kind();

  /**
   * Reads this kind's section ({@code source.csv}), reporting each problem on the section with its
   * line and column; may return null when a problem makes the spec unusable (the file is refused
   * anyway).
   */
  SourceSpec parse(ConfigSection section, PipelineContext pipeline);

  /**
   * The partitions the source itself defines, for a pipeline without {@code partitions:} (a Kafka
   * topic's partitions {@code "0"}, {@code "1"}, …), asked when a run is created; null (the
   * default) when the pipeline's own partitions apply.
   *
   * @throws dev.keel.KeelException when the source cannot say (a topic that does not exist, a
   *     broker that does not answer), with what to do
   */
  default List<String> partitions(SourceSpec spec) {
    return null;
  }

  /**
   * Opens the source for one partition, positioned after {@code resume}, a {@link
   * RecordSource#position()} from an earlier reading of the same partition (null: from the start).
   *
   * @param partition the partition's name ({@code ${partition}} in paths, {@code :partition} in
   *     queries)
   * @param baseDir the folder of the pipeline file, against which relative paths resolve
   */
  RecordSource open(
      SourceSpec spec, List<Column> columns, String partition, Path baseDir, String resume);

  /**
   * The same, for a partition that may be a time window: a provider that can use the window's
   * bounds ({@code ${window_start}}, {@code :window_end}) overrides this; by default it sees the
   * name only.
   */
  default RecordSource open(
      SourceSpec spec, List<Column> columns, PartitionRef partition, Path baseDir, String resume) {
    return open(spec, columns, partition.name(), baseDir, resume);
  }

  /**
   * Checks, before a run changes anything, what one partition's input tells without being read (a
   * file's schema against the declared columns), and throws a {@link dev.keel.KeelException} naming
   * the input and what to do: {@code keel run} and {@code keel validate} report it as bad input
   * (exit 2). An input that cannot be checked yet (not there, on a store that does not answer)
   * passes: the run decides. By default nothing is checked.
   */
  default void check(SourceSpec spec, List<Column> columns, PartitionRef partition, Path baseDir) {}

  /**
   * Opens the source for one partition to read again only the records at {@code positions} (the
   * dead letters of a run, for a replay). By default the partition is read from the start and the
   * other records are dropped; a provider that can go straight to a position (a Kafka topic: seek
   * to an offset) overrides this, and fails naming a position that cannot be read any more.
   *
   * @param resume as in {@link #open}: a replay that committed chunks goes on after the last
   * @param positions any order; record positions as the source gave them ({@link
   *     dev.keel.record.SourceRecord#position()})
   */
  default RecordSource openPositions(
      SourceSpec spec,
      List<Column> columns,
      PartitionRef partition,
      Path baseDir,
      String resume,
      long[] positions) {
    return new dev.keel.record.OnlyPositions(
        open(spec, columns, partition, baseDir, resume), positions);
  }
}
