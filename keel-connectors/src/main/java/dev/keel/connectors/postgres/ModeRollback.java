package dev.keel.connectors.postgres;

import java.sql.SQLException;

/**
 * How one publish mode undoes, inside the rollback's transaction, every kept version newer than the
 * run a partition goes back to ({@link PartitionRollback} checks and records the rest), writing
 * under the rollback's own version what undoes the rollback in turn.
 */
interface ModeRollback {
  /** Counts of what the rollback did to the target. */
  record Done(long inserted, long updated, long deleted) {}

  /**
   * @param newer the ids of the versions to undo, oldest first
   * @param own the rollback's own version, to record under
   */
  Done undo(long[] newer, long own) throws SQLException;

  /** A condition on {@code v.version_id} (row_version aliased {@code v}): one of {@code ids}. */
  static String versionIn(long[] ids) {
    StringBuilder sb = new StringBuilder(" v.version_id = ANY('{");
    for (int i = 0; i < ids.length; i++) {
      if (i > 0) {
        sb.append(',');
      }
      sb.append(ids[i]);
    }
    return sb.append("}'::bigint[])").toString();
  }

  /** {@code array_agg} of the rows of {@code from} in batches, as row_version rows. */
  static String batched(String columns, String aggregates, String from) {
    return " SELECT "
        + columns
        + aggregates
        + " FROM (SELECT *, "
        + LoadVersions.BATCHES
        + " AS batch FROM "
        + from
        + ") x GROUP BY batch";
  }
}
