package dev.keel.runtime;

import java.time.Duration;
import java.util.random.RandomGenerator;

/**
 * Exponential backoff with full jitter, as a pure function: the delay before attempt n+1 is uniform
 * in [0, min(max, base * 2^(n-1))].
 */
public final class Backoff {
  private Backoff() {}

  public static Duration ceiling(int failedAttempts, Duration base, Duration max) {
    int shift = Math.min(Math.max(failedAttempts - 1, 0), 30);
    long millis = base.toMillis() << shift;
    return Duration.ofMillis(millis < 0 ? max.toMillis() : Math.min(millis, max.toMillis()));
  }

  /**
   * The delay of a retry policy: full jitter below the ceiling, or the ceiling itself without
   * jitter.
   */
  public static Duration delay(
      int failedAttempts, dev.keel.spec.RetrySpec retry, RandomGenerator random) {
    return retry.jitter() == dev.keel.spec.RetrySpec.Jitter.NONE
        ? ceiling(failedAttempts, retry.backoff(), retry.maxBackoff())
        : delay(failedAttempts, retry.backoff(), retry.maxBackoff(), random);
  }

  public static Duration delay(
      int failedAttempts, Duration base, Duration max, RandomGenerator random) {
    long ceiling = ceiling(failedAttempts, base, max).toMillis();
    return Duration.ofMillis(ceiling == 0 ? 0 : random.nextLong(ceiling + 1));
  }
}
