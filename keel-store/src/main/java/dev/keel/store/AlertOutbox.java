package dev.keel.store;

import dev.keel.spec.Redactor;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Conditions the nodes detect by looking (node lost, run late, rejected ratio), queued in the alert
 * outbox through {@code keel.alert_enqueue}: it serialises one incident key with an advisory lock
 * and adds a trigger only when the key's last action is not a trigger, a resolve only when it is.
 * So every node may run every check on every tick; one incident queues one trigger and one resolve.
 */
public final class AlertOutbox {
  /** Nodes that are neither stopped nor heartbeating: one trigger each. */
  private static final String NODES_LOST =
      """
      SELECT keel.alert_enqueue('keel:node_lost:' || id, 'trigger', 'node_lost', NULL,
        'keel: node ' || id || ' lost: no heartbeat for ' || round(extract(epoch FROM now() - heartbeat_at)) || ' s ('
          || tasks_held || ' task(s) held; their leases expire and other nodes take them over)',
        jsonb_build_object('node', id, 'host', host, 'pid', pid, 'heartbeat_at', heartbeat_at, 'tasks_held', tasks_held))
      FROM keel.node WHERE state <> 'stopped' AND heartbeat_at < now() - ? * interval '1 millisecond'""";

  /** Nodes with an open node_lost incident that heartbeat again or were stopped: resolved. */
  private static final String NODES_BACK =
      """
      SELECT keel.alert_enqueue(o.dedup_key, 'resolve', 'node_lost', NULL,
        'keel: node ' || n.id || CASE WHEN n.state = 'stopped' THEN ' was stopped' ELSE ' heartbeats again' END,
        jsonb_build_object('node', n.id, 'state', n.state))
      FROM (SELECT DISTINCT ON (dedup_key) dedup_key, action FROM keel.alert_outbox WHERE kind = 'node_lost'
            ORDER BY dedup_key, id DESC) o
      JOIN keel.node n ON o.dedup_key = 'keel:node_lost:' || n.id
      WHERE o.action = 'trigger' AND (n.state = 'stopped' OR n.heartbeat_at >= now() - ? * interval '1 millisecond')""";

  private static final String ENQUEUE = "SELECT keel.alert_enqueue(?, ?, ?, ?, ?, ?::jsonb)";
  private static final String OPEN =
      """
      SELECT o.dedup_key, o.pipeline, o.details->>'partition' FROM (
        SELECT DISTINCT ON (dedup_key) dedup_key, action, pipeline, details FROM keel.alert_outbox WHERE kind = ?
        ORDER BY dedup_key, id DESC) o
      WHERE o.action = 'trigger'""";
  private static final String REJECTING =
      """
      SELECT DISTINCT pipeline, partition FROM keel.task
      WHERE rows_rejected > 0 AND finished_at > now() - ? * interval '1 millisecond'""";

  /**
   * The newest finished attempt of a partition, through the run index (task has no
   * pipeline+partition index).
   */
  private static final String LAST_FINISHED =
      """
      SELECT t.id, t.run_id, t.rows_read, t.rows_rejected FROM keel.run r
      JOIN keel.task t ON t.run_id = r.id AND t.partition = ?
      WHERE r.pipeline = ? AND t.state IN ('succeeded', 'failed') AND t.finished_at IS NOT NULL
      ORDER BY t.finished_at DESC LIMIT 1""";

  private static final String FRESHNESS =
      """
      SELECT (SELECT min(created_at) FROM keel.pipeline_version WHERE pipeline = ?),
             (SELECT max(logical_time) FROM keel.run WHERE pipeline = ? AND state = 'succeeded')""";

  /** An incident whose last queued action is a trigger. */
  public record Open(String key, String pipeline, String partition) {}

  /** The newest finished task of a partition. */
  public record Finished(long taskId, long runId, long read, long rejected) {}

  /**
   * When a pipeline was first stored, and the logical time of its newest successful run (either may
   * be null).
   */
  public record Freshness(Instant firstSeen, Instant lastSuccess) {}

  private final Database db;

  AlertOutbox(Database db) {
    this.db = db;
  }

  /** Queues node_lost triggers and resolves; returns the nodes found lost. */
  public int checkNodes(Duration lostAfter) {
    return db.inTransaction(
        "checking for lost nodes",
        c -> {
          int lost = 0;
          try (PreparedStatement ps = c.prepareStatement(NODES_LOST)) {
            ps.setLong(1, lostAfter.toMillis());
            try (ResultSet rs = ps.executeQuery()) {
              while (rs.next()) {
                lost++;
              }
            }
          }
          try (PreparedStatement ps = c.prepareStatement(NODES_BACK)) {
            ps.setLong(1, lostAfter.toMillis());
            ps.executeQuery().close();
          }
          return lost;
        });
  }

  /** Queues a trigger (or a resolve) of {@code key}; a repeat of the last action is dropped. */
  public void enqueue(
      String key,
      boolean trigger,
      String kind,
      String pipeline,
      String summary,
      String detailsJson) {
    db.withConnection(
        "queueing alert " + key,
        c -> {
          try (PreparedStatement ps = c.prepareStatement(ENQUEUE)) {
            ps.setString(1, key);
            ps.setString(2, trigger ? "trigger" : "resolve");
            ps.setString(3, kind);
            ps.setString(4, pipeline);
            ps.setString(5, Redactor.mask(summary));
            ps.setString(6, Redactor.mask(detailsJson));
            ps.executeQuery().close();
          }
          return null;
        });
  }

  public List<Open> open(String kind) {
    return db.withConnection(
        "reading open " + kind + " incidents",
        c -> {
          List<Open> out = new ArrayList<>();
          try (PreparedStatement ps = c.prepareStatement(OPEN)) {
            ps.setString(1, kind);
            try (ResultSet rs = ps.executeQuery()) {
              while (rs.next()) {
                out.add(new Open(rs.getString(1), rs.getString(2), rs.getString(3)));
              }
            }
          }
          return out;
        });
  }

  /** (pipeline, partition) of tasks that rejected rows and finished within {@code window}. */
  public List<String[]> rejecting(Duration window) {
    return db.withConnection(
        "reading tasks that rejected rows",
        c -> {
          List<String[]> out = new ArrayList<>();
          try (PreparedStatement ps = c.prepareStatement(REJECTING)) {
            ps.setLong(1, window.toMillis());
            try (ResultSet rs = ps.executeQuery()) {
              while (rs.next()) {
                out.add(new String[] {rs.getString(1), rs.getString(2)});
              }
            }
          }
          return out;
        });
  }

  public Optional<Finished> lastFinished(String pipeline, String partition) {
    return db.withConnection(
        "reading the last task of " + pipeline + "/" + partition,
        c -> {
          try (PreparedStatement ps = c.prepareStatement(LAST_FINISHED)) {
            ps.setString(1, partition);
            ps.setString(2, pipeline);
            try (ResultSet rs = ps.executeQuery()) {
              return rs.next()
                  ? Optional.of(
                      new Finished(rs.getLong(1), rs.getLong(2), rs.getLong(3), rs.getLong(4)))
                  : Optional.empty();
            }
          }
        });
  }

  public Freshness freshness(String pipeline) {
    return db.withConnection(
        "reading the freshness of " + pipeline,
        c -> {
          try (PreparedStatement ps = c.prepareStatement(FRESHNESS)) {
            ps.setString(1, pipeline);
            ps.setString(2, pipeline);
            try (ResultSet rs = ps.executeQuery()) {
              rs.next();
              return new Freshness(instant(rs.getTimestamp(1)), instant(rs.getTimestamp(2)));
            }
          }
        });
  }

  private static Instant instant(Timestamp t) {
    return t == null ? null : t.toInstant();
  }
}
