package dev.keel.connectors.postgres;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;

/**
 * A replace's rollback: the prior image of the version right after the run is the partition as it
 * was; the partition's rows now are deleted and recorded as the rollback's prior image, and that
 * one put back.
 */
final class ReplaceRollback implements ModeRollback {
  private final PostgresSinkSpec spec;
  private final TargetTable target;
  private final PublishStatement statement;
  private final Connection c;
  private final String partition;

  ReplaceRollback(
      PostgresSinkSpec spec,
      TargetTable target,
      PublishStatement statement,
      Connection c,
      String partition) {
    this.spec = spec;
    this.target = target;
    this.statement = statement;
    this.c = c;
    this.partition = partition;
  }

  @Override
  public Done undo(long[] newer, long own) throws SQLException {
    long deleted;
    try (PreparedStatement ps =
        c.prepareStatement(
            "WITH gone AS (DELETE FROM "
                + target.qualified
                + " t"
                + statement.partitionRows()
                + " RETURNING t::text AS image),"
                + " b AS (INSERT INTO keel_sink.row_version (version_id, op, images)"
                + ModeRollback.batched("?, 'd', ", "array_agg(image)", "gone")
                + " RETURNING cardinality(images) AS n) SELECT coalesce(sum(n), 0) FROM b")) {
      int i = 1;
      if (spec.partitionColumn() != null) {
        ps.setString(i++, partition);
      }
      ps.setLong(i, own);
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        deleted = rs.getLong(1);
      }
    }
    long inserted;
    try (PreparedStatement ps =
        c.prepareStatement(
            "INSERT INTO "
                + target.qualified
                + " OVERRIDING SYSTEM VALUE SELECT (CAST(i AS "
                + target.qualified
                + ")).* FROM keel_sink.row_version v, unnest(v.images) i"
                + " WHERE v.version_id = ? AND v.op = 'd'")) {
      ps.setLong(1, newer[0]);
      inserted = ps.executeUpdate();
    }
    return new Done(inserted, 0, deleted);
  }
}
