package dev.keel.engine;

import dev.keel.runtime.PartitionRunner;
import dev.keel.runtime.Rejects;
import dev.keel.runtime.Step;
import dev.keel.store.DeadLetterStore;

/**
 * What {@link TaskExecutor} knows about one attempt while it runs: the step (its own, or the
 * runner's while the partition runs), the records rejected so far, and whether its circuit-breaker
 * permission was settled. It is also the attempt's {@link Rejects}: each rejected record goes to
 * the dead-letter writer and is counted.
 *
 * <p>Used by the worker's thread, except {@link #step()}, which the attempt's deadline reads from
 * its timer thread (hence volatile).
 */
final class Attempt implements Rejects {
  private final PartitionRunner runner;
  private final DeadLetterStore.Writer deadLetters;
  private final CallRetry calls;
  private final long startedNanos;

  /** The executor's own step, or null while the runner's applies. */
  private volatile Step ownStep = Step.FENCING;

  private long rejected;

  /**
   * The breaker was told of the outcome (success): a later failure must not release its permission.
   */
  private boolean settled;

  /** {@code startedNanos}: when the attempt began, by {@link System#nanoTime()}. */
  Attempt(
      PartitionRunner runner,
      DeadLetterStore.Writer deadLetters,
      CallRetry calls,
      long startedNanos) {
    this.startedNanos = startedNanos;
    this.runner = runner;
    this.deadLetters = deadLetters;
    this.calls = calls;
  }

  /** The step the attempt is in (when it failed: the step that failed). */
  Step step() {
    Step own = ownStep;
    return own == null ? runner.step() : own;
  }

  /** From now on the step is the executor's {@code step}; null hands it to the runner. */
  void step(Step step) {
    ownStep = step;
  }

  long rejected() {
    return rejected;
  }

  boolean settled() {
    return settled;
  }

  void settle() {
    settled = true;
  }

  long elapsedNanos() {
    return System.nanoTime() - startedNanos;
  }

  @Override
  public void reject(long position, String raw, String reason) {
    rejected++;
    deadLetters.add(position, raw, reason);
  }

  @Override
  public void flush() {
    calls.run("writing dead letters", deadLetters::flush);
  }

  @Override
  public void supersede(long fromPosition, long toPosition) {
    calls.run(
        "voiding earlier attempts' dead letters",
        () -> deadLetters.supersede(fromPosition, toPosition));
  }
}
