package dev.keel.kafka;

import dev.keel.spec.Redactor;
import dev.keel.spec.Secret;
import dev.keel.spec.SinkSpec;
import java.util.List;
import java.util.Map;

/**
 * {@code sink: { kafka: { bootstrap, topic, key: [id], properties } }}: each record becomes one
 * JSON message, its key the key columns (a JSON array, or the one value as text), produced in one
 * Kafka transaction per partition's attempt.
 */
public record KafkaSinkSpec(
    Secret bootstrap, String topic, List<String> key, Map<String, Secret> properties)
    implements SinkSpec {
  public static final String KIND = "kafka";

  @Override
  public String kind() {
    return KIND;
  }

  /** Every run's records are appended to the topic. */
  @Override
  public Mode mode() {
    return Mode.APPEND;
  }

  @Override
  public Commit commit() {
    return Commit.PARTITION;
  }

  @Override
  public long chunkRows() {
    return 0;
  }

  @Override
  public String target() {
    return "kafka topic " + topic;
  }

  @Override
  public String endpoint() {
    return bootstrap.reveal();
  }

  String bootstrapShown() {
    String written = bootstrap.reference();
    return Redactor.MASK.equals(written) ? bootstrap.reveal() : written;
  }

  @Override
  public SinkSpec withMode(Mode mode) {
    return this;
  }
}
