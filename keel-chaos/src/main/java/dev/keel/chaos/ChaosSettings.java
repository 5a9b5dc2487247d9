package dev.keel.chaos;

import java.time.Duration;
import java.util.List;

/** How a chaos session runs: its nodes, how long faults are injected, which ones, the seed. */
public record ChaosSettings(
    int nodes,
    Duration duration,
    List<FaultKind> faults,
    long seed,
    Duration lease,
    int partitionsPerRun,
    int rowsPerPartition) {

  public static final Duration DEFAULT_LEASE = Duration.ofSeconds(3);
  public static final int DEFAULT_ROWS_PER_PARTITION = 20_000;

  /**
   * What is wrong with these settings, or null: at least one node, faults injected for at least one
   * lease (a fault shorter than a lease is never noticed).
   */
  public String problem() {
    if (nodes < 1) {
      return "--nodes " + nodes + ": chaos needs at least 1 node; use 3 (the default) or more";
    }
    if (duration.compareTo(lease) < 0) {
      return "--duration "
          + duration.toMillis()
          + "ms is shorter than one lease ("
          + lease.toSeconds()
          + "s): a fault needs longer to be noticed; use --duration 20s or more";
    }
    if (rowsPerPartition < 1 || partitionsPerRun < 1) {
      return "rows and partitions per run must be at least 1";
    }
    return null;
  }

  /** How long the cluster may take to work again after one fault before it counts as lost. */
  public Duration recoveryBound() {
    return Duration.ofSeconds(60).plus(lease.multipliedBy(10));
  }
}
