package dev.keel.connector;

import dev.keel.runtime.Sink;
import dev.keel.spec.ConfigSection;
import dev.keel.spec.PipelineSpec;
import dev.keel.spec.SinkSpec;

/**
 * A kind of sink, found with {@link java.util.ServiceLoader}: a class named in {@code
 * META-INF/services/dev.keel.connector.SinkProvider}. Its {@link #kind()} is the key under {@code
 * sink:} in a pipeline file ({@code postgres}).
 */
public interface SinkProvider {
  /** The YAML key of this kind. */
  String kind();

  /** What every sink of this kind supports; callers ask this instead of checking for a kind. */
  SinkCapabilities capabilities();

  /**
   * Whether its sessions store a source position with each publish ({@link
   * dev.keel.runtime.SinkSession#storePosition}), as a source that continues across runs (Kafka)
   * needs.
   */
  default boolean storesPositions() {
    return false;
  }

  /**
   * Reads this kind's section ({@code sink.postgres}), reporting each problem with its line and
   * column.
   */
  SinkSpec parse(ConfigSection section, PipelineContext pipeline);

  /** The sink for a pipeline whose {@code sink()} this provider parsed; the caller closes it. */
  Sink create(PipelineSpec pipeline, SinkContext context);
}
