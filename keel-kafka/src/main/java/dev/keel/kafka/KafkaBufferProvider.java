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

/**
 * {@code buffer: { kafka: { bootstrap, topic, properties, alert_after } }}. The topic must exist
 * (keel creates no topics); its partitions are the load stage's partitions.
 */
public final class KafkaBufferProvider implements BufferProvider {

  @Override
  public String kind() {
    return KafkaBufferSpec.KIND;
  }

  @Override
  public BufferSpec parse(ConfigSection s, PipelineContext pipeline) {
    s.onlyKeys(Set.of("bootstrap", "topic", "properties", "alert_after"));
    Secret bootstrap = KafkaEndpoint.bootstrap(s);
    String topic = KafkaEndpoint.topic(s);
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
