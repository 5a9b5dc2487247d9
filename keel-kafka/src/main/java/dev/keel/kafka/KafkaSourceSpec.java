package dev.keel.kafka;

import dev.keel.spec.Redactor;
import dev.keel.spec.Secret;
import dev.keel.spec.SourceSpec;
import java.time.ZoneId;
import java.util.Map;

/**
 * {@code source: { kafka: { bootstrap, topic, format, properties } }}: one message is one record.
 * Its {@code toString} shows secrets only as their references.
 *
 * @param properties client settings passed as they are (SASL, TLS), resolved for {@code ${env:}}
 *     and {@code ${file:}}
 * @param timezone for timestamptz values without an offset
 */
public record KafkaSourceSpec(
    Secret bootstrap, String topic, Format format, Map<String, Secret> properties, ZoneId timezone)
    implements SourceSpec {
  public static final String KIND = "kafka";

  /** How a message's value holds a record. */
  public enum Format {
    /** One JSON object; its fields are the columns (exact case); missing or null is NULL. */
    JSON,
    /** One CSV record without a header, its fields in the declared columns' order. */
    CSV
  }

  @Override
  public String kind() {
    return KIND;
  }

  /**
   * The bootstrap list for messages: as written, or with its references when it has some (a
   * bootstrap is an address, not a secret, unless the file makes it one).
   */
  public String bootstrapShown() {
    String written = bootstrap.reference();
    return Redactor.MASK.equals(written) ? bootstrap.reveal() : written;
  }

  /** Positions are stored per topic: another bootstrap list of the same cluster keeps them. */
  @Override
  public String stream() {
    return "kafka:" + topic;
  }
}
