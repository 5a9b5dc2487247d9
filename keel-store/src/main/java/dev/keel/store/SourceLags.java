package dev.keel.store;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * How far behind its source each partition of a stream pipeline (Kafka) was when its last task
 * ended: recorded by the task, read by {@code keel status}, the metrics and the continuous
 * scheduler.
 */
public final class SourceLags {
  private static final String RECORD =
      """
      INSERT INTO keel.source_lag (pipeline, partition, lag) VALUES (?, ?, ?)
      ON CONFLICT (pipeline, partition) DO UPDATE SET lag = excluded.lag, measured_at = now()""";
  private static final String LIST =
      "SELECT pipeline, partition, lag, measured_at FROM keel.source_lag ORDER BY pipeline, partition";

  /** One partition's lag, in records, and when it was measured. */
  public record Lag(String pipeline, String partition, long records, Instant measuredAt) {}

  private final Database db;

  SourceLags(Database db) {
    this.db = db;
  }

  public void record(String pipeline, String partition, long records) {
    db.withConnection(
        "recording the source lag of " + pipeline + "/" + partition,
        c -> {
          try (PreparedStatement ps = c.prepareStatement(RECORD)) {
            ps.setString(1, pipeline);
            ps.setString(2, partition);
            ps.setLong(3, records);
            return ps.executeUpdate();
          }
        });
  }

  public List<Lag> list() {
    return db.withConnection(
        "reading source lags",
        c -> {
          List<Lag> out = new ArrayList<>();
          try (PreparedStatement ps = c.prepareStatement(LIST);
              ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
              out.add(
                  new Lag(
                      rs.getString(1),
                      rs.getString(2),
                      rs.getLong(3),
                      rs.getTimestamp(4).toInstant()));
            }
          }
          return out;
        });
  }
}
