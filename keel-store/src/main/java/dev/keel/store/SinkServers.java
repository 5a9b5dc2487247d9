package dev.keel.store;

import dev.keel.spec.Redactor;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The sink server each pipeline publishes to, as last seen ({@code keel.sink_server}), and what a
 * node does when it sees another one: the partitions published in a recent window whose load record
 * the new server lacks (an asynchronous replica promoted before it received their commit) go back
 * to the queue. Sources are re-readable, and the fence and load id keep the re-run exact.
 */
public final class SinkServers {
  /**
   * Records {@code identity} for {@code pipeline}; true only for the one call (cluster-wide) that
   * replaced a different identity. The first identity seen, or the same one again, is false. Two
   * nodes seeing the change at once: the row lock lets one update, the other then finds it equal.
   */
  private static final String OBSERVE =
      """
      INSERT INTO keel.sink_server AS s (pipeline, identity) VALUES (?, ?)
      ON CONFLICT (pipeline) DO UPDATE SET identity = excluded.identity, seen_at = now()
        WHERE s.identity <> excluded.identity
      RETURNING (xmax <> 0)""";

  private static final String RECENT =
      """
      SELECT id, run_id, partition FROM keel.task
      WHERE pipeline = ? AND state = 'succeeded' AND finished_at > now() - ? * interval '1 millisecond'""";

  /**
   * Back to the queue as if that success never happened (its attempt given back), due now; the run
   * is refreshed by the caller. Only while it is still succeeded.
   */
  private static final String REQUEUE =
      """
      UPDATE keel.task SET state = 'queued', attempt = greatest(attempt - 1, 0), due_at = now(), finished_at = NULL,
             rows_published = 0, error = ?
      WHERE id = ? AND state = 'succeeded'""";

  /** A published partition: its task and {@link dev.keel.runtime.TaskRef#loadId()}'s parts. */
  public record Published(long taskId, long runId, String partition) {
    public String loadId() {
      return "run-" + runId + "/" + partition;
    }
  }

  private final Database db;

  public SinkServers(Database db) {
    this.db = db;
  }

  /** Whether {@code identity} replaces another one recorded for {@code pipeline} (see OBSERVE). */
  public boolean changed(String pipeline, String identity) {
    return db.withConnection(
        "recording the sink server of " + pipeline,
        c -> {
          try (PreparedStatement ps = c.prepareStatement(OBSERVE)) {
            ps.setString(1, pipeline);
            ps.setString(2, identity);
            try (ResultSet rs = ps.executeQuery()) {
              return rs.next() && rs.getBoolean(1);
            }
          }
        });
  }

  /**
   * Marks the change to {@code identity} as not re-checked (a re-check that failed midway): the
   * next observation of any node sees a change again and re-checks. Re-checking twice is harmless.
   */
  public void unchecked(String pipeline, String identity) {
    db.withConnection(
        "marking the sink server of " + pipeline + " unchecked",
        c -> {
          try (PreparedStatement ps =
              c.prepareStatement(
                  "UPDATE keel.sink_server SET identity = 'unchecked' WHERE pipeline = ? AND identity = ?")) {
            ps.setString(1, pipeline);
            ps.setString(2, identity);
            return ps.executeUpdate();
          }
        });
  }

  /** The partitions of {@code pipeline} published within {@code window}. */
  public List<Published> recent(String pipeline, Duration window) {
    return db.withConnection(
        "reading recent publishes of " + pipeline,
        c -> {
          try (PreparedStatement ps = c.prepareStatement(RECENT)) {
            ps.setString(1, pipeline);
            ps.setLong(2, window.toMillis());
            List<Published> out = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
              while (rs.next()) {
                out.add(new Published(rs.getLong(1), rs.getLong(2), rs.getString(3)));
              }
            }
            return out;
          }
        });
  }

  /**
   * Requeues a published partition whose publish was lost; false when it is no longer succeeded.
   */
  public boolean requeue(Published p, String note) {
    return db.inTransaction(
        "requeueing task " + p.taskId(),
        c -> {
          try (PreparedStatement ps = c.prepareStatement(REQUEUE)) {
            ps.setString(1, Redactor.mask(note));
            ps.setLong(2, p.taskId());
            return ps.executeUpdate() == 1;
          }
        });
  }
}
