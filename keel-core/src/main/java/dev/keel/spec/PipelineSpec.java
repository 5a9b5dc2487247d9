package dev.keel.spec;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * A parsed, checked pipeline file. Immutable. {@code text} is the file as written (secrets only as
 * references) and {@code hash} its SHA-256, which identifies the stored pipeline version.
 */
public record PipelineSpec(
    String name,
    Path file,
    String schedule,
    Partitions partitions,
    SourceSpec source,
    List<Column> columns,
    List<TransformSpec> transforms,
    ValidateSpec validate,
    SinkSpec sink,
    RetrySpec retry,
    Duration attemptTimeout,
    List<String> regions,
    BufferSpec buffer,
    String text,
    String hash) {
  /**
   * {@code schedule: continuous}: a new run as soon as the previous one ends while it found
   * records, after an idle wait when it found none (for a source that continues across runs).
   */
  public static final String CONTINUOUS = "continuous";

  /** How long one attempt at a partition may run before it is stopped (transient, retried). */
  public static final Duration DEFAULT_ATTEMPT_TIMEOUT = Duration.ofHours(6);

  public PipelineSpec {
    regions = regions == null ? List.of() : List.copyOf(regions);
  }

  /** The same pipeline reading from {@code other}. */
  public PipelineSpec withSource(SourceSpec other) {
    return new PipelineSpec(
        name,
        file,
        schedule,
        partitions,
        other,
        columns,
        transforms,
        validate,
        sink,
        retry,
        attemptTimeout,
        regions,
        buffer,
        text,
        hash);
  }

  /** The same pipeline writing to {@code other}. */
  public PipelineSpec withSink(SinkSpec other) {
    return new PipelineSpec(
        name,
        file,
        schedule,
        partitions,
        source,
        columns,
        transforms,
        validate,
        other,
        retry,
        attemptTimeout,
        regions,
        buffer,
        text,
        hash);
  }

  /** The same pipeline with {@code other} as its buffer (null: none). */
  public PipelineSpec withBuffer(BufferSpec other) {
    return new PipelineSpec(
        name,
        file,
        schedule,
        partitions,
        source,
        columns,
        transforms,
        validate,
        sink,
        retry,
        attemptTimeout,
        regions,
        other,
        text,
        hash);
  }

  /** Whether {@code schedule: continuous} (rather than a cron expression, or none). */
  public boolean isContinuous() {
    return CONTINUOUS.equals(schedule);
  }

  public Optional<Column> column(String name) {
    return columns.stream().filter(c -> c.name().equals(name)).findFirst();
  }

  public int columnIndex(String name) {
    for (int i = 0; i < columns.size(); i++) {
      if (columns.get(i).name().equals(name)) {
        return i;
      }
    }
    return -1;
  }

  /**
   * Everything but {@code text}: the file as written may hold credentials typed in by hand, and a
   * spec is logged and put in exception messages. Secrets inside print as their references.
   */
  @Override
  public String toString() {
    return "PipelineSpec[name="
        + name
        + ", file="
        + file
        + ", schedule="
        + schedule
        + ", partitions="
        + partitions
        + ", source="
        + source
        + ", columns="
        + columns
        + ", transforms="
        + transforms
        + ", validate="
        + validate
        + ", sink="
        + sink
        + ", retry="
        + retry
        + ", attemptTimeout="
        + attemptTimeout
        + ", regions="
        + regions
        + (buffer == null ? "" : ", buffer=" + buffer)
        + ", hash="
        + hash
        + "]";
  }

  /**
   * Null when every name is one of this pipeline's partitions; else what to tell the person who
   * named the first one that is not, with the partitions there are.
   */
  public String unknownPartition(java.util.Collection<String> names) {
    for (String p : names) {
      if (!partitions.contains(p) && partitions.isWindows()) {
        TimeWindows w = partitions.windows();
        return "partition '"
            + p
            + "' is not a window of "
            + name
            + " ("
            + w.unit().key()
            + " windows from "
            + w.first()
            + (w.end() == null ? "" : " before " + w.last().end().toLocalDate())
            + " in "
            + w.zone()
            + (partitions.values().isEmpty()
                ? ""
                : ", each crossed with " + String.join(", ", partitions.values()))
            + "); the nearest windows: "
            + String.join(", ", w.nearest(Partitions.windowOf(p), 5));
      }
      if (!partitions.contains(p)) {
        List<String> all = partitions.list();
        return "partition '"
            + p
            + "' is not one of "
            + name
            + "'s partitions ("
            + (all.size() > 10
                ? all.get(0) + " … " + all.get(all.size() - 1)
                : String.join(", ", all))
            + ")";
      }
    }
    return null;
  }

  /**
   * The regions that may run this pipeline, in order of preference ({@code regions: [a, b]}): its
   * tasks go to the nodes of the first one with a live node. Empty: any node, in any region.
   */
  public List<String> regions() {
    return regions;
  }

  /** The folder relative paths resolve against. */
  public Path baseDir() {
    Path parent = file.toAbsolutePath().getParent();
    return parent == null ? Path.of(".").toAbsolutePath() : parent;
  }
}
