package dev.keel.runtime;

import java.time.Duration;

/**
 * What the runtime tells observers (metrics, tests) about task work. Every method has a no-op
 * default, so an observer overrides only what it counts. Contract: called on worker threads, often
 * concurrently; an implementation must be thread-safe, fast, and must not throw (the executor does
 * not guard against it, so an observer's bug would fail tasks).
 */
public interface RuntimeEvents {
  /** Observes nothing. */
  RuntimeEvents NONE = new RuntimeEvents() {};

  /** An attempt published (or found its load already published); counts are this attempt's. */
  default void taskSucceeded(TaskRef task, PartitionResult result) {}

  /**
   * An attempt failed. {@code cause} is a short, bounded label from {@link Failures#causeOf};
   * {@code willRetry} tells whether the task went back to the queue.
   */
  default void taskFailed(TaskRef task, Duration took, FailureCause cause, boolean willRetry) {}

  /** A transient failure put the task back in the queue, due after {@code backoff}. */
  default void retryScheduled(TaskRef task, FailureCause cause, Duration backoff) {}

  /** Another claim took the task over while this node worked on it; its result is discarded. */
  default void leaseLost(TaskRef task) {}

  /** The sink refused a publish carrying a stale fencing token. */
  default void fenceRefused(TaskRef task) {}

  /**
   * Records of this attempt went to the dead-letter table (reported once per attempt, with its
   * total).
   */
  default void rowsRejected(TaskRef task, long rows) {}
}
