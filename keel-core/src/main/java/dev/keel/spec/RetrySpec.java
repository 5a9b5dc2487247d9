package dev.keel.spec;

import java.time.Duration;

/**
 * How often and how patiently a failed partition is tried again (transient failures only): the
 * delay before attempt n+1 is at most min(max_backoff, backoff * 2^(n-1)), drawn uniformly below
 * that ceiling with {@code jitter: full} (the default), or exactly the ceiling with {@code none}.
 */
public record RetrySpec(int attempts, Duration backoff, Duration maxBackoff, Jitter jitter) {
  public static final RetrySpec DEFAULT =
      new RetrySpec(3, Duration.ofSeconds(1), Duration.ofMinutes(1));

  /** How a delay is drawn below its exponential ceiling. */
  public enum Jitter {
    /** Uniform in [0, ceiling]: retries of many tasks after one outage do not arrive together. */
    FULL,
    /** Exactly the ceiling: predictable, for a single consumer of a rate-limited sink. */
    NONE
  }

  public RetrySpec(int attempts, Duration backoff, Duration maxBackoff) {
    this(attempts, backoff, maxBackoff, Jitter.FULL);
  }
}
