package dev.keel.connector;

import dev.keel.spec.BufferSpec;
import dev.keel.spec.ConfigSection;
import dev.keel.spec.SinkSpec;
import dev.keel.spec.SourceSpec;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * A kind of buffer ({@code buffer: { kafka: {…} }}), found with {@link java.util.ServiceLoader}
 * like sources and sinks. A buffered pipeline runs as two stages: the extract stage publishes into
 * the buffer through {@link #extractSink}, the load stage reads it through {@link #loadSource} (a
 * source that continues across runs, its positions stored by the declared sink).
 */
public interface BufferProvider {
  /** The YAML key of this kind. */
  String kind();

  /** Reads this kind's section ({@code buffer.kafka}), reporting problems with line and column. */
  BufferSpec parse(ConfigSection section, PipelineContext pipeline);

  /**
   * The sink the extract stage publishes to. {@code key} is the declared sink's key (empty when it
   * has none): records of one key go to one place in the buffer, so the load stage applies them in
   * the order the extract runs published them.
   */
  SinkSpec extractSink(BufferSpec buffer, List<String> key);

  /** The source the load stage reads (its partitions are the buffer's). */
  SourceSpec loadSource(BufferSpec buffer);

  /**
   * What waits in the buffer, per load partition, given the positions the declared sink stored
   * (partition → position; a partition missing has loaded nothing yet).
   *
   * @throws dev.keel.KeelException when the buffer cannot be asked now
   */
  List<Backlog> backlog(BufferSpec buffer, Map<String, String> positions);

  /**
   * One load partition's backlog: records not loaded yet, and the time the oldest of them entered
   * the buffer (null when none waits).
   */
  record Backlog(String partition, String position, long records, Instant oldest) {}
}
