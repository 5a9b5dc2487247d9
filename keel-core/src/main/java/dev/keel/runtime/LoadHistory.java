package dev.keel.runtime;

import java.time.Instant;
import java.util.List;

/**
 * The loads of a sink that keeps versions ({@code keep_versions}): what each changed, and the means
 * to put a partition back as it was right after one of them.
 */
public interface LoadHistory {
  /** The kept loads of {@code partition} (null: every partition), newest first. */
  List<Load> loads(String partition);

  /**
   * Restores {@code partition} to exactly what it held right after run {@code toRun} published it,
   * in one transaction fenced with {@code fence} (a token newer than any claim so far, recorded
   * first, so an attempt holding an older claim cannot publish afterwards). The rollback is itself
   * a load: listed, and undone by a rollback to the run before it.
   *
   * @throws RollbackRefusedException when the run did not publish the partition, or its load is no
   *     longer kept; nothing is changed
   */
  Load rollback(String partition, long toRun, long fence);

  /**
   * One load of a partition.
   *
   * @param runId the run that published it; null for a rollback
   * @param restoredRun a rollback: the run whose state it restored; else null
   * @param undoable whether its changes are kept (a rollback to an earlier run can undo it)
   */
  record Load(
      long version,
      String partition,
      Long runId,
      Long restoredRun,
      String mode,
      Instant publishedAt,
      long inserted,
      long updated,
      long deleted,
      boolean undoable) {}
}
