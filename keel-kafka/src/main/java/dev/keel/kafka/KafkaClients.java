package dev.keel.kafka;

import dev.keel.spec.Secret;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/** Client settings for keel's consumers and admin clients: the spec's, then keel's own. */
final class KafkaClients {
  /**
   * Settings keel decides, which a pipeline's {@code properties} may not change: positions are
   * stored by the sink, so no consumer group commits; deserialisation is keel's.
   */
  static final Set<String> RESERVED =
      Set.of(
          CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG,
          ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG,
          ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG,
          ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG,
          ConsumerConfig.ISOLATION_LEVEL_CONFIG);

  /** How long a metadata or offsets request may wait for the brokers before it is a failure. */
  static final int API_TIMEOUT_MS = 15_000;

  private KafkaClients() {}

  static Properties common(Secret bootstrap, Map<String, Secret> properties) {
    Properties p = new Properties();
    p.put(CommonClientConfigs.DEFAULT_API_TIMEOUT_MS_CONFIG, API_TIMEOUT_MS);
    p.put(CommonClientConfigs.REQUEST_TIMEOUT_MS_CONFIG, API_TIMEOUT_MS);
    p.put(CommonClientConfigs.RECONNECT_BACKOFF_MAX_MS_CONFIG, 2_000);
    properties.forEach((k, v) -> p.put(k, v.reveal()));
    p.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, bootstrap.reveal());
    return p;
  }

  /**
   * A consumer that reads committed messages only (a transactional producer's aborted ones never),
   * assigned by keel, committing nothing.
   */
  static Properties consumer(KafkaSourceSpec spec, String clientId) {
    Properties p = common(spec.bootstrap(), spec.properties());
    p.putIfAbsent(ConsumerConfig.CLIENT_ID_CONFIG, clientId);
    p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    p.put(ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, false);
    p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "none");
    p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
    p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
    return p;
  }
}
