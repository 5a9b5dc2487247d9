package dev.keel.kafka;

import dev.keel.spec.BufferSpec;
import dev.keel.spec.Secret;
import java.time.Duration;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;

/**
 * {@code buffer: { kafka: { bootstrap, topic, properties, alert_after } }}: a topic between a
 * pipeline's extract and load stages. The extract stage writes it with the transactional Kafka sink
 * (one JSON message per record, keyed by the declared sink's key), the load stage reads it with the
 * Kafka source. Its {@code toString} shows secrets only as their references.
 */
public record KafkaBufferSpec(
    Secret bootstrap, String topic, Map<String, Secret> properties, Duration alertAfter)
    implements BufferSpec {
  public static final String KIND = "kafka";

  @Override
  public String kind() {
    return KIND;
  }

  @Override
  public String target() {
    return "kafka topic " + topic;
  }

  /** What the extract stage publishes to. */
  KafkaSinkSpec sink(List<String> key) {
    return new KafkaSinkSpec(bootstrap, topic, key, properties);
  }

  /** What the load stage reads: the messages the extract stage's sink wrote, JSON objects. */
  KafkaSourceSpec source() {
    return new KafkaSourceSpec(
        bootstrap, topic, KafkaSourceSpec.Format.JSON, properties, ZoneOffset.UTC);
  }
}
