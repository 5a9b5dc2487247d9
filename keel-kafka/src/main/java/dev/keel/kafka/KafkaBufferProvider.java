package dev.keel.kafka;

import dev.keel.connector.BufferProvider;
import dev.keel.connector.PipelineContext;
import dev.keel.spec.BufferSpec;
import dev.keel.spec.ConfigSection;
import dev.keel.spec.Secret;
import dev.keel.spec.SinkSpec;
import dev.keel.spec.SourceSpec;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * {@code buffer: { kafka: { bootstrap, topic, properties, alert_after } }}. The topic must exist
 * (keel creates no topics); its partitions are the load stage's partitions.
 */
public final class KafkaBufferProvider implements BufferProvider {
  private static final Pattern TOPIC = Pattern.compile("[a-zA-Z0-9._-]{1,249}");

  @Override
  public String kind() {
    return KafkaBufferSpec.KIND;
  }

  @Override
  public BufferSpec parse(ConfigSection s, PipelineContext pipeline) {
    s.onlyKeys(Set.of("bootstrap", "topic", "properties", "alert_after"));
    if (!s.has("bootstrap")) {
      s.error(s.where() + " needs 'bootstrap' (host:port of one or more brokers, comma-separated)");
    }
    Secret bootstrap = s.secret("bootstrap");
    String topic = s.requiredString("topic");
    if (topic != null && !TOPIC.matcher(topic).matches()) {
      s.error(
          "topic",
          s.where()
              + ".topic: '"
              + topic
              + "' is not a Kafka topic name (letters, digits, '.', '_' and '-', at most 249)");
    }
    var alertAfter = s.duration("alert_after", BufferSpec.DEFAULT_ALERT_AFTER);
    return new KafkaBufferSpec(
        bootstrap,
        topic,
        KafkaProperties.read(
            s,
            KafkaProperties.CONSUMER.or(KafkaProperties.PRODUCER),
            "transactions, positions stored by the sink"),
        alertAfter);
  }

  @Override
  public SinkSpec extractSink(BufferSpec buffer, List<String> key) {
    return ((KafkaBufferSpec) buffer).sink(key);
  }

  @Override
  public SourceSpec loadSource(BufferSpec buffer) {
    return ((KafkaBufferSpec) buffer).source();
  }

  @Override
  public List<Backlog> backlog(BufferSpec buffer, Map<String, String> positions) {
    return new KafkaBacklog(((KafkaBufferSpec) buffer).source()).measure(positions);
  }
}
