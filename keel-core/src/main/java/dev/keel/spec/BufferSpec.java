package dev.keel.spec;

import java.time.Duration;

/**
 * {@code buffer: { kafka: {…} }}: where a buffered pipeline's extract stage puts its records and
 * its load stage reads them, made by the {@link dev.keel.connector.BufferProvider} of its kind. Its
 * {@code toString} shows secrets only as their references.
 */
public interface BufferSpec {
  /** How long the oldest unloaded record may wait before {@code buffer_backlog} fires. */
  Duration DEFAULT_ALERT_AFTER = Duration.ofMinutes(10);

  /** The YAML key of its kind. */
  String kind();

  /** The buffer as a person names it, e.g. {@code kafka topic orders_buffer}. */
  String target();

  /** Age of the oldest unloaded record over which the {@code buffer_backlog} alert fires. */
  Duration alertAfter();
}
