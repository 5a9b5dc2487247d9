package dev.keel.spec;

import java.time.Duration;

/**
 * The thresholds of the incidents nodes detect by looking (the other alert kinds are queued by
 * database triggers), from the {@code checks} section of the cluster's alert file. The engine reads
 * them; the server's alert rules parse them.
 */
public record AlertChecks(Duration nodeLostAfter, Duration runLateAfter, double rejectedRatio) {
  /** 15 s, as {@code keel status} and {@code keel_nodes_alive} count a node dead. */
  public static final Duration DEFAULT_NODE_LOST_AFTER = Duration.ofSeconds(15);

  public static final Duration DEFAULT_RUN_LATE_AFTER = Duration.ofHours(1);
  public static final double DEFAULT_REJECTED_RATIO = 0.01;
  public static final AlertChecks DEFAULT =
      new AlertChecks(DEFAULT_NODE_LOST_AFTER, DEFAULT_RUN_LATE_AFTER, DEFAULT_REJECTED_RATIO);
}
