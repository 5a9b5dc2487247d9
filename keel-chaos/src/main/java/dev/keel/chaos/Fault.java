package dev.keel.chaos;

import java.time.Duration;
import java.time.Instant;

/**
 * One injected fault: what, on which node (or "database"), when it started and was healed, and when
 * the cluster was seen working again ({@code null}: it never was within the recovery bound).
 */
public record Fault(
    FaultKind kind, String target, Instant injectedAt, Instant healedAt, Instant recoveredAt) {

  public boolean recovered() {
    return recoveredAt != null;
  }

  /** From injection to recovery; null when it did not recover. */
  public Duration timeToRecover() {
    return recoveredAt == null ? null : Duration.between(injectedAt, recoveredAt);
  }
}
