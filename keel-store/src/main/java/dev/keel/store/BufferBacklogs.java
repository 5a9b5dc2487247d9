package dev.keel.store;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * What waits in each buffered pipeline's buffer, per load partition ({@code keel.buffer_backlog}):
 * saved by the nodes' backlog check, read by {@code keel status}, the metrics and the alert.
 */
public final class BufferBacklogs {
  private static final String SAVE =
      """
      INSERT INTO keel.buffer_backlog (pipeline, partition, position, records, oldest_at)
      VALUES (?, ?, ?, ?, ?)
      ON CONFLICT (pipeline, partition) DO UPDATE SET position = excluded.position,
        records = excluded.records, oldest_at = excluded.oldest_at, measured_at = now()""";

  /**
   * Moves the check time of a pipeline's rows on when it is older than the interval. Row by row: a
   * node that waited on another's claim rechecks the condition on the claimed row and updates
   * nothing, so two nodes never both measure in one interval.
   */
  private static final String CLAIM =
      """
      UPDATE keel.buffer_backlog SET checked_at = now()
      WHERE pipeline = ? AND checked_at <= now() - ? * interval '1 millisecond'""";

  private static final String KNOWN =
      "SELECT 1 FROM keel.buffer_backlog WHERE pipeline = ? LIMIT 1";

  private static final String POSITIONS =
      "SELECT partition, position FROM keel.buffer_backlog WHERE pipeline = ? AND position IS NOT NULL";

  /** Per pipeline: records waiting, and the age of the oldest by the database clock. */
  private static final String SUMMARY =
      """
      SELECT pipeline, sum(records), extract(epoch FROM now() - min(oldest_at)), max(measured_at)
      FROM keel.buffer_backlog GROUP BY pipeline ORDER BY pipeline""";

  /** One load partition's backlog; {@code oldest} null when nothing waits. */
  public record Partition(String partition, String position, long records, Instant oldest) {}

  /** A buffered pipeline's backlog: all its partitions' records, and the oldest one's age. */
  public record Summary(String pipeline, long records, Duration age, Instant measuredAt) {}

  private final Database db;

  BufferBacklogs(Database db) {
    this.db = db;
  }

  /**
   * Whether this node should measure {@code pipeline}'s backlog now: nobody has in the last {@code
   * every} (less a tenth, for the nodes' ticks to drift), or it was never measured. Every node runs
   * the check; one measures per interval.
   */
  public boolean claim(String pipeline, Duration every) {
    return db.inTransaction(
        "claiming the buffer backlog check of " + pipeline,
        c -> {
          try (PreparedStatement ps = c.prepareStatement(CLAIM)) {
            ps.setString(1, pipeline);
            ps.setLong(2, every.toMillis() * 9 / 10);
            if (ps.executeUpdate() > 0) {
              return true;
            }
          }
          try (PreparedStatement ps = c.prepareStatement(KNOWN)) {
            ps.setString(1, pipeline);
            try (ResultSet rs = ps.executeQuery()) {
              return !rs.next();
            }
          }
        });
  }

  public void save(String pipeline, List<Partition> partitions) {
    db.inTransaction(
        "saving the buffer backlog of " + pipeline,
        c -> {
          try (PreparedStatement ps = c.prepareStatement(SAVE)) {
            for (Partition p : partitions) {
              ps.setString(1, pipeline);
              ps.setString(2, p.partition());
              ps.setString(3, p.position());
              ps.setLong(4, p.records());
              ps.setTimestamp(5, p.oldest() == null ? null : Timestamp.from(p.oldest()));
              ps.addBatch();
            }
            ps.executeBatch();
          }
          return null;
        });
  }

  /** The positions last seen in the sink, by partition: used while the sink cannot be read. */
  public Map<String, String> positions(String pipeline) {
    return db.withConnection(
        "reading the buffer positions of " + pipeline,
        c -> {
          Map<String, String> out = new HashMap<>();
          try (PreparedStatement ps = c.prepareStatement(POSITIONS)) {
            ps.setString(1, pipeline);
            try (ResultSet rs = ps.executeQuery()) {
              while (rs.next()) {
                out.put(rs.getString(1), rs.getString(2));
              }
            }
          }
          return out;
        });
  }

  public List<Summary> summaries() {
    return db.withConnection(
        "reading buffer backlogs",
        c -> {
          List<Summary> out = new ArrayList<>();
          try (PreparedStatement ps = c.prepareStatement(SUMMARY);
              ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
              double age = rs.getDouble(3);
              out.add(
                  new Summary(
                      rs.getString(1),
                      rs.getLong(2),
                      rs.wasNull() ? Duration.ZERO : Duration.ofMillis((long) (age * 1000)),
                      rs.getTimestamp(4).toInstant()));
            }
          }
          return out;
        });
  }
}
