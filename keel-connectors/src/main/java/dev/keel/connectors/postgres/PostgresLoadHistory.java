package dev.keel.connectors.postgres;

import dev.keel.KeelException;
import dev.keel.runtime.LoadHistory;
import dev.keel.runtime.RollbackRefusedException;
import dev.keel.spec.Column;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import javax.sql.DataSource;

/** The kept loads of a PostgreSQL target (keel_sink.version), and rollbacks to them. */
final class PostgresLoadHistory implements LoadHistory {
  private static final String LOADS =
      """
      SELECT id, partition, run_id, restored_run, mode, published_at, inserted, updated, deleted, undoable
      FROM keel_sink.version WHERE target = ? AND (CAST(? AS text) IS NULL OR partition = ?)
      ORDER BY id DESC""";

  private final DataSource dataSource;
  private final PostgresSinkSpec spec;
  private final List<Column> columns;
  private final TargetTable target;

  PostgresLoadHistory(
      DataSource dataSource, PostgresSinkSpec spec, List<Column> columns, TargetTable target) {
    this.dataSource = dataSource;
    this.spec = spec;
    this.columns = columns;
    this.target = target;
  }

  @Override
  public List<Load> loads(String partition) {
    List<Load> out = new ArrayList<>();
    try (Connection c = dataSource.getConnection();
        PreparedStatement ps = c.prepareStatement(LOADS)) {
      ps.setString(1, target.name());
      ps.setString(2, partition);
      ps.setString(3, partition);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          out.add(
              new Load(
                  rs.getLong(1),
                  rs.getString(2),
                  (Long) rs.getObject(3),
                  (Long) rs.getObject(4),
                  rs.getString(5),
                  rs.getTimestamp(6).toInstant(),
                  rs.getLong(7),
                  rs.getLong(8),
                  rs.getLong(9),
                  rs.getBoolean(10)));
        }
      }
    } catch (SQLException e) {
      throw new KeelException(
          "reading the loads of " + target.name() + " failed: " + e.getMessage(), e);
    }
    return out;
  }

  @Override
  public Load rollback(String partition, long toRun, long fence) {
    PublishStatement statement = new PublishStatement(spec, columns, target);
    try (Connection c = dataSource.getConnection()) {
      LoadVersions versions =
          new LoadVersions(spec, columns, target, statement, RowImages.find(c, target));
      c.setAutoCommit(false);
      try {
        c.setNetworkTimeout(
            Runnable::run, (int) PostgresSinkSession.PUBLISH_SOCKET_TIMEOUT.toMillis());
        Load done =
            new PartitionRollback(spec, target, versions, statement, c, partition)
                .run(toRun, fence);
        c.commit();
        return done;
      } catch (SQLException | RuntimeException e) {
        c.rollback();
        throw e;
      } finally {
        c.setAutoCommit(true);
      }
    } catch (RollbackRefusedException e) {
      throw e;
    } catch (SQLException e) {
      throw new KeelException(
          "rolling partition "
              + partition
              + " of "
              + target.name()
              + " back to run "
              + toRun
              + " failed, nothing was changed: "
              + e.getMessage(),
          e);
    }
  }
}
