package dev.keel.runtime;

import dev.keel.KeelException;

/**
 * More records were rejected than validate.max_rejected allows; nothing was published. Carries how
 * many were rejected, and whether that is the partition's total or only the records a sink refused
 * when publishing (the runner then says it again in the partition's terms).
 */
public class RejectedLimitException extends KeelException {
  private final long rejected;
  private final boolean partitionTotal;

  /** By a sink: {@code rejected} records were refused when publishing. */
  public RejectedLimitException(long rejected, String message) {
    this(rejected, false, message);
  }

  private RejectedLimitException(long rejected, boolean partitionTotal, String message) {
    super(message);
    this.rejected = rejected;
    this.partitionTotal = partitionTotal;
  }

  /**
   * By the partition's runner: {@code rejected} is every record of the partition rejected so far.
   */
  public static RejectedLimitException ofPartition(long rejected, String message) {
    return new RejectedLimitException(rejected, true, message);
  }

  /** How many records were rejected (see {@link #partitionTotal()}). */
  public long rejected() {
    return rejected;
  }

  /**
   * Whether {@link #rejected()} counts the whole partition, or only what a sink refused at publish.
   */
  public boolean partitionTotal() {
    return partitionTotal;
  }
}
