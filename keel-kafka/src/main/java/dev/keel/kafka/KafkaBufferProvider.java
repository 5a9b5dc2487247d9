package dev.keel.kafka;

import dev.keel.connector.BufferProvider;
import dev.keel.connector.PipelineContext;
import dev.keel.spec.BufferSpec;
import dev.keel.spec.ConfigSection;
import dev.keel.spec.Secret;
import dev.keel.spec.SinkSpec;
import dev.keel.spec.SourceSpec;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * {@code buffer: { kafka: { bootstrap, topic, properties, alert_after } }}. The topic must exist
 * (keel creates no topics); its partitions are the load stage's partitions.
 */
public final class KafkaBufferProvider implements BufferProvider {
  private static final Pattern TOPIC = Pattern.compile("[a-zA-Z0-9._-]{1,249}");
  private static final Pattern SECRET_KEY = Pattern.compile("password|jaas\\.config|secret");

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
    return new KafkaBufferSpec(bootstrap, topic, properties(s), alertAfter);
  }

  /**
   * Client settings for both stages' clients, each resolved for secrets; those keel decides for the
   * consumer or the transactional producer are refused.
   */
  private static Map<String, Secret> properties(ConfigSection s) {
    Map<String, Secret> out = new LinkedHashMap<>();
    ConfigSection props = s.section("properties");
    if (props == null || !props.isMapping()) {
      return out;
    }
    for (String key : props.keys()) {
      String k = key.toLowerCase(Locale.ROOT);
      if (KafkaClients.RESERVED.contains(k)
          || k.startsWith("transactional.")
          || k.equals("enable.idempotence")
          || k.equals("acks")
          || k.endsWith(".serializer")) {
        props.errorAtKey(
            key,
            s.where()
                + ".properties."
                + key
                + " is set by keel (transactions, positions stored by the sink); remove it"
                + (k.equals("bootstrap.servers") ? " and use buffer.kafka.bootstrap" : ""));
        continue;
      }
      String written = props.string(key);
      if (written != null && SECRET_KEY.matcher(k).find() && !written.contains("${")) {
        props.error(
            key,
            s.where()
                + ".properties."
                + key
                + " holds a credential: write it as a reference, ${env:NAME} or"
                + " ${file:/run/secrets/name}, never the value itself");
        continue;
      }
      Secret v = props.secret(key);
      if (v != null) {
        out.put(key, v);
      }
    }
    return out;
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
