package dev.keel.kafka;

import dev.keel.spec.ConfigSection;
import dev.keel.spec.Secret;
import java.util.regex.Pattern;

/** The {@code bootstrap} and {@code topic} of a kafka section (source, sink or buffer). */
final class KafkaEndpoint {
  private static final Pattern TOPIC = Pattern.compile("[a-zA-Z0-9._-]{1,249}");

  private KafkaEndpoint() {}

  /** The brokers, a secret reference allowed; an error naming the section when missing. */
  static Secret bootstrap(ConfigSection s) {
    if (!s.has("bootstrap")) {
      s.error(s.where() + " needs 'bootstrap' (host:port of one or more brokers, comma-separated)");
    }
    return s.secret("bootstrap");
  }

  /** The topic, required and checked against Kafka's rules for a topic name. */
  static String topic(ConfigSection s) {
    String topic = s.requiredString("topic");
    if (topic != null && !TOPIC.matcher(topic).matches()) {
      s.error(
          "topic",
          s.where()
              + ".topic: '"
              + topic
              + "' is not a Kafka topic name (letters, digits, '.', '_' and '-', at most 249)");
    }
    return topic;
  }
}
