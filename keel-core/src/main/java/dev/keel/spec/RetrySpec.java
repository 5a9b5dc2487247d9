package dev.keel.spec;

import java.time.Duration;

/** How often and how patiently a failed partition is tried again (transient failures only). */
public record RetrySpec(int attempts, Duration backoff, Duration maxBackoff) {
  public static final RetrySpec DEFAULT = new RetrySpec(3, Duration.ofSeconds(1), Duration.ofMinutes(1));
}
