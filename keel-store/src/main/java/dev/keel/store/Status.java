package dev.keel.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/** What {@code keel status} shows: nodes, recent runs and their tasks, checkpoints. */
public final class Status {
  public record NodeInfo(
      String id,
      String host,
      long pid,
      String state,
      boolean alive,
      double heartbeatAgeSeconds,
      int tasksHeld,
      String region) {}

  /**
   * A pipeline with {@code regions:} (its current version's): the list in order of preference and
   * the region whose nodes claim its tasks now, null when none of them has a live node.
   */
  public record PipelineRegion(String pipeline, List<String> regions, String active) {}

  public record RunInfo(
      long id,
      String pipeline,
      String trigger,
      String state,
      String createdAt,
      String finishedAt,
      List<TaskInfo> tasks) {}

  public record TaskInfo(
      long id,
      String partition,
      String state,
      int attempt,
      int maxAttempts,
      String owner,
      Double leaseRemainingSeconds,
      Long rowsPublished,
      Long rowsRejected,
      String checkpoint,
      String error) {}

  public record Report(
      List<NodeInfo> nodes,
      List<RunInfo> runs,
      List<PipelineProblems.Problem> problems,
      List<PipelineRegion> regions) {}

  private static final String NODES =
      """
      SELECT n.id, n.host, n.pid, n.state, n.heartbeat_at > now() - ? * interval '1 millisecond',
             extract(epoch FROM now() - n.heartbeat_at)::float8,
             (SELECT count(*) FROM keel.task t WHERE t.owner = n.id AND t.state = 'running')::int, n.region
      FROM keel.node n ORDER BY n.id""";

  /** Each pipeline's current version (the newest made current), when it lists regions. */
  private static final String REGIONS =
      """
      SELECT DISTINCT ON (v.pipeline) v.pipeline, v.regions, keel.active_region(v.regions, ? * interval '1 millisecond')
      FROM keel.pipeline_version v ORDER BY v.pipeline, v.current_at DESC, v.id DESC""";

  private static final String RUNS =
      """
      SELECT id, pipeline, trigger, state, created_at::text, finished_at::text FROM keel.run ORDER BY id DESC LIMIT ?""";
  private static final String TASKS =
      """
      SELECT t.id, t.partition, t.state, t.attempt, t.max_attempts, t.owner,
             CASE WHEN t.state = 'running' THEN extract(epoch FROM t.lease_until - now())::float8 END,
             t.rows_published, t.rows_rejected, c.position, t.error
      FROM keel.task t LEFT JOIN keel.checkpoint c ON c.task_id = t.id WHERE t.run_id = ? ORDER BY t.id""";

  private final Database db;

  public Status(Database db) {
    this.db = db;
  }

  public Report read(int runs, long nodeDeadAfterMillis) {
    return db.withConnection(
        "reading status",
        c ->
            new Report(
                nodes(c, nodeDeadAfterMillis),
                runs(c, runs),
                new PipelineProblems(db).list(),
                regions(c, nodeDeadAfterMillis)));
  }

  private static List<NodeInfo> nodes(Connection c, long deadAfter) throws SQLException {
    List<NodeInfo> out = new ArrayList<>();
    try (PreparedStatement ps = c.prepareStatement(NODES)) {
      ps.setLong(1, deadAfter);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          boolean alive = rs.getBoolean(5) && !"stopped".equals(rs.getString(4));
          String state = alive ? "alive" : "stopped".equals(rs.getString(4)) ? "stopped" : "dead";
          out.add(
              new NodeInfo(
                  rs.getString(1),
                  rs.getString(2),
                  rs.getLong(3),
                  state,
                  alive,
                  rs.getDouble(6),
                  rs.getInt(7),
                  rs.getString(8)));
        }
      }
    }
    return out;
  }

  private static List<PipelineRegion> regions(Connection c, long liveWithin) throws SQLException {
    List<PipelineRegion> out = new ArrayList<>();
    try (PreparedStatement ps = c.prepareStatement(REGIONS)) {
      ps.setLong(1, liveWithin);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          java.sql.Array regions = rs.getArray(2);
          if (regions != null) {
            out.add(
                new PipelineRegion(
                    rs.getString(1), List.of((String[]) regions.getArray()), rs.getString(3)));
          }
        }
      }
    }
    return out;
  }

  private static List<RunInfo> runs(Connection c, int limit) throws SQLException {
    List<RunInfo> out = new ArrayList<>();
    try (PreparedStatement ps = c.prepareStatement(RUNS)) {
      ps.setInt(1, limit);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          out.add(
              new RunInfo(
                  rs.getLong(1),
                  rs.getString(2),
                  rs.getString(3),
                  rs.getString(4),
                  rs.getString(5),
                  rs.getString(6),
                  tasks(c, rs.getLong(1))));
        }
      }
    }
    return out;
  }

  private static List<TaskInfo> tasks(Connection c, long runId) throws SQLException {
    List<TaskInfo> out = new ArrayList<>();
    try (PreparedStatement ps = c.prepareStatement(TASKS)) {
      ps.setLong(1, runId);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          out.add(
              new TaskInfo(
                  rs.getLong(1),
                  rs.getString(2),
                  rs.getString(3),
                  rs.getInt(4),
                  rs.getInt(5),
                  rs.getString(6),
                  (Double) rs.getObject(7),
                  (Long) rs.getObject(8),
                  (Long) rs.getObject(9),
                  rs.getString(10),
                  rs.getString(11)));
        }
      }
    }
    return out;
  }
}
