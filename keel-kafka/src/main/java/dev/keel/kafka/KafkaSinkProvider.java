package dev.keel.kafka;

import dev.keel.connector.PipelineContext;
import dev.keel.connector.SinkCapabilities;
import dev.keel.connector.SinkContext;
import dev.keel.connector.SinkProvider;
import dev.keel.runtime.Sink;
import dev.keel.spec.ConfigSection;
import dev.keel.spec.PipelineSpec;
import dev.keel.spec.Secret;
import dev.keel.spec.SinkSpec;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@code sink: { kafka: { bootstrap, topic, key, format: json, properties } }}: a transactional
 * producer per partition attempt, {@code transactional.id} derived from pipeline and partition, so
 * Kafka fences a zombie's producer; keel's own fence is checked before the commit.
 */
public final class KafkaSinkProvider implements SinkProvider {
  private static final SinkCapabilities CAPABILITIES =
      new SinkCapabilities(
          Set.of(SinkSpec.Mode.APPEND),
          false,
          true,
          false,
          1600,
          "a JSON message of more fields is not a record anyone should read");

  @Override
  public String kind() {
    return KafkaSinkSpec.KIND;
  }

  @Override
  public SinkCapabilities capabilities() {
    return CAPABILITIES;
  }

  @Override
  public SinkSpec parse(ConfigSection s, PipelineContext pipeline) {
    s.onlyKeys(Set.of("bootstrap", "topic", "key", "format", "properties"));
    Secret bootstrap = KafkaEndpoint.bootstrap(s);
    String topic = KafkaEndpoint.topic(s);
    List<String> key = s.columnList("key", pipeline.columns());
    String format = s.string("format");
    if (format != null && !format.equals("json")) {
      s.error("format", s.where() + ".format must be json (the only format a kafka sink writes)");
    }
    Map<String, Secret> properties =
        KafkaProperties.read(s, KafkaProperties.PRODUCER, "transactions");
    return new KafkaSinkSpec(bootstrap, topic, key, properties);
  }

  @Override
  public Sink create(PipelineSpec pipeline, SinkContext context) {
    return new KafkaSink(pipeline, (KafkaSinkSpec) pipeline.sink(), context.metadata());
  }
}
