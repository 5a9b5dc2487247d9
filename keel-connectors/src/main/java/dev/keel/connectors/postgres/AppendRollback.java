package dev.keel.connectors.postgres;

import dev.keel.runtime.RollbackRefusedException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * An append's rollback, on the rows as a multiset (a hash of each row's text): those added after
 * the run are taken out and those deleted after it (by rollbacks) put back, net of each other. If
 * fewer of the rows to take out are still there than the versions say, something other than keel
 * changed the table, and the rollback is refused.
 */
final class AppendRollback implements ModeRollback {
  private final PostgresSinkSpec spec;
  private final TargetTable target;
  private final PublishStatement statement;
  private final Connection c;
  private final String partition;
  private final long toRun;

  AppendRollback(
      PostgresSinkSpec spec,
      TargetTable target,
      PublishStatement statement,
      Connection c,
      String partition,
      long toRun) {
    this.spec = spec;
    this.target = target;
    this.statement = statement;
    this.c = c;
    this.partition = partition;
    this.toRun = toRun;
  }

  @Override
  public Done undo(long[] newer, long own) throws SQLException {
    LoadVersions.stableText(c);
    String in = ModeRollback.versionIn(newer);
    try (Statement st = c.createStatement()) {
      st.execute(
          "CREATE TEMP TABLE keel_net ON COMMIT DROP AS SELECT hash, sum(n) AS n, max(image) AS image FROM ("
              + "SELECT h AS hash, -1 AS n, NULL::text AS image"
              + " FROM keel_sink.row_version v, unnest(v.hashes) h WHERE v.op = 'a' AND"
              + in
              + " UNION ALL SELECT x.h, 1, x.i FROM keel_sink.row_version v, unnest(v.hashes, v.images) x(h, i)"
              + " WHERE v.op = 'd' AND"
              + in
              + ") y GROUP BY hash HAVING sum(n) <> 0");
    }
    long expected;
    try (Statement st = c.createStatement();
        ResultSet rs = st.executeQuery("SELECT coalesce(sum(-n), 0) FROM keel_net WHERE n < 0")) {
      rs.next();
      expected = rs.getLong(1);
    }
    long deleted = takeOut(own);
    if (deleted != expected) {
      throw new RollbackRefusedException(
          "rolling partition "
              + partition
              + " of "
              + target.name()
              + " back to run "
              + toRun
              + " would delete "
              + expected
              + " rows that later loads added, but only "
              + deleted
              + " of them are still there (something other than keel changed the table);"
              + " nothing was changed");
    }
    return new Done(putBack(own), 0, deleted);
  }

  /** Deletes the rows added after the run (as many of each as were added), recorded; how many. */
  private long takeOut(long own) throws SQLException {
    try (PreparedStatement ps =
        c.prepareStatement(
            "WITH rows AS (SELECT t.ctid, md5(t::text)::uuid AS hash FROM "
                + target.qualified
                + " t"
                + statement.partitionRows()
                + "), doomed AS (SELECT x.ctid FROM (SELECT r.ctid, r.hash,"
                + " row_number() OVER (PARTITION BY r.hash) AS nth FROM rows r"
                + " WHERE r.hash IN (SELECT hash FROM keel_net WHERE n < 0)) x"
                + " JOIN keel_net n ON n.hash = x.hash WHERE x.nth <= -n.n),"
                + " gone AS (DELETE FROM "
                + target.qualified
                + " t USING doomed WHERE t.ctid = doomed.ctid RETURNING t::text AS image),"
                + " b AS (INSERT INTO keel_sink.row_version (version_id, op, hashes, images)"
                + ModeRollback.batched(
                    "?, 'd', ", "array_agg(md5(image)::uuid), array_agg(image)", "gone")
                + " RETURNING cardinality(images) AS n) SELECT coalesce(sum(n), 0) FROM b")) {
      int i = 1;
      if (spec.partitionColumn() != null) {
        ps.setString(i++, partition);
      }
      ps.setLong(i, own);
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        return rs.getLong(1);
      }
    }
  }

  /** Inserts the rows deleted after the run (by rollbacks), recorded; how many. */
  private long putBack(long own) throws SQLException {
    try (PreparedStatement ps =
        c.prepareStatement(
            "WITH added AS (INSERT INTO "
                + target.qualified
                + " AS t OVERRIDING SYSTEM VALUE SELECT (CAST(n.image AS "
                + target.qualified
                + ")).* FROM keel_net n CROSS JOIN LATERAL generate_series(1, n.n) WHERE n.n > 0"
                + " RETURNING md5(t::text)::uuid AS hash),"
                + " b AS (INSERT INTO keel_sink.row_version (version_id, op, hashes)"
                + ModeRollback.batched("?, 'a', ", "array_agg(hash)", "added")
                + " RETURNING cardinality(hashes) AS n) SELECT coalesce(sum(n), 0) FROM b")) {
      ps.setLong(1, own);
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        return rs.getLong(1);
      }
    }
  }
}
