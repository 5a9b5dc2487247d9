package dev.keel.chaos;

import java.util.List;

/**
 * Enqueues a run of {@link ChaosPipeline#NAME} for the nodes (keel-cli does, through keel-store).
 */
@FunctionalInterface
public interface RunTrigger {
  /** The new run's id. */
  long trigger(List<String> partitions) throws Exception;
}
