package dev.keel.kafka;

import dev.keel.spec.ConfigSection;
import dev.keel.spec.Secret;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.function.Predicate;
import java.util.regex.Pattern;

/**
 * The {@code properties} of a kafka section (source, sink or buffer): client settings such as SASL
 * or TLS, each resolved for secrets. A setting keel decides itself is refused, naming why; a
 * credential written as its value instead of a reference is refused.
 */
final class KafkaProperties {
  private static final Pattern SECRET_KEY = Pattern.compile("password|jaas\\.config|secret");

  /** What a consumer may not change: positions are stored by the sink, reads are committed only. */
  static final Predicate<String> CONSUMER = KafkaClients.RESERVED::contains;

  /** What a transactional producer may not change. */
  static final Predicate<String> PRODUCER =
      k ->
          k.startsWith("transactional.")
              || k.equals("enable.idempotence")
              || k.equals("acks")
              || k.equals("bootstrap.servers")
              || k.endsWith(".serializer");

  private KafkaProperties() {}

  /**
   * @param keels the (lower-case) settings keel decides for this section's clients
   * @param why why keel decides them, for the message
   */
  static Map<String, Secret> read(ConfigSection s, Predicate<String> keels, String why) {
    Map<String, Secret> out = new LinkedHashMap<>();
    ConfigSection props = s.section("properties");
    if (props == null || !props.isMapping()) {
      return out;
    }
    for (String key : props.keys()) {
      String k = key.toLowerCase(Locale.ROOT);
      if (keels.test(k)) {
        props.errorAtKey(
            key,
            s.where()
                + ".properties."
                + key
                + " is set by keel ("
                + why
                + "); remove it"
                + (k.equals("bootstrap.servers") ? " and use " + s.where() + ".bootstrap" : ""));
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
}
