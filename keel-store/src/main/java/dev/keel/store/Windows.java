package dev.keel.store;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;

/**
 * What the metadata database knows of time-partitioned pipelines beyond their runs: the windows
 * skipped after an outage, and each pipeline's newest loaded and newest closed window.
 */
public final class Windows {
  private static final String SKIP =
      """
      INSERT INTO keel.window_skip (pipeline, first_window, last_window, windows) VALUES (?, ?, ?, ?)
      ON CONFLICT (pipeline, first_window) DO NOTHING""";
  private static final String SKIPPED =
      """
      SELECT pipeline, first_window, last_window, windows, skipped_at FROM keel.window_skip
      ORDER BY pipeline, first_window""";
  private static final String LOADED =
      """
      SELECT count(DISTINCT partition) FROM keel.task
      WHERE pipeline = ? AND state = 'succeeded' AND partition = ANY (?)""";
  private static final String NEWEST_LOADED =
      """
      SELECT split_part(max(partition), '/', 1) FROM keel.task WHERE pipeline = ? AND state = 'succeeded'""";
  private static final String SAVE_STATE =
      """
      INSERT INTO keel.window_state (pipeline, newest_loaded, loaded_end, newest_closed, closed_at, checked_at)
      VALUES (?, ?, ?, ?, ?, now())
      ON CONFLICT (pipeline) DO UPDATE SET newest_loaded = EXCLUDED.newest_loaded,
        loaded_end = EXCLUDED.loaded_end, newest_closed = EXCLUDED.newest_closed,
        closed_at = EXCLUDED.closed_at, checked_at = now()""";
  private static final String STATES =
      """
      SELECT pipeline, newest_loaded, loaded_end, newest_closed, closed_at FROM keel.window_state
      ORDER BY pipeline""";

  /** A gap of windows the scheduler did not create. */
  public record Skip(
      String pipeline, String firstWindow, String lastWindow, int windows, Instant skippedAt) {}

  /** A pipeline's newest loaded window (and its end) and newest closed one (and when it closed). */
  public record State(
      String pipeline,
      String newestLoaded,
      Instant loadedEnd,
      String newestClosed,
      Instant closedAt) {}

  private final Database db;

  Windows(Database db) {
    this.db = db;
  }

  /** Records a gap once, however many nodes see it. */
  public void skip(String pipeline, String first, String last, int windows) {
    db.withConnection(
        "recording the skipped windows of " + pipeline,
        c -> {
          try (PreparedStatement ps = c.prepareStatement(SKIP)) {
            ps.setString(1, pipeline);
            ps.setString(2, first);
            ps.setString(3, last);
            ps.setInt(4, windows);
            return ps.executeUpdate();
          }
        });
  }

  public List<Skip> skipped() {
    return db.withConnection(
        "reading skipped windows",
        c -> {
          List<Skip> out = new ArrayList<>();
          try (PreparedStatement ps = c.prepareStatement(SKIPPED);
              ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
              out.add(
                  new Skip(
                      rs.getString(1),
                      rs.getString(2),
                      rs.getString(3),
                      rs.getInt(4),
                      rs.getTimestamp(5).toInstant()));
            }
          }
          return out;
        });
  }

  /** Whether every one of {@code cells} (the partitions of one window) has a succeeded task. */
  public boolean loaded(String pipeline, Collection<String> cells) {
    return db.withConnection(
        "reading whether " + pipeline + " loaded " + cells,
        c -> {
          try (PreparedStatement ps = c.prepareStatement(LOADED)) {
            ps.setString(1, pipeline);
            ps.setArray(2, c.createArrayOf("text", cells.toArray()));
            try (ResultSet rs = ps.executeQuery()) {
              rs.next();
              return rs.getLong(1) == cells.size();
            }
          }
        });
  }

  /**
   * The newest window name with a succeeded task. Window names sort in time order within one unit
   * and lead the partition's name, so the greatest partition holds the newest window: one probe of
   * the index on succeeded tasks by pipeline and partition, however many windows were loaded.
   */
  public Optional<String> newestLoaded(String pipeline) {
    return db.withConnection(
        "reading the newest loaded window of " + pipeline,
        c -> {
          try (PreparedStatement ps = c.prepareStatement(NEWEST_LOADED)) {
            ps.setString(1, pipeline);
            try (ResultSet rs = ps.executeQuery()) {
              rs.next();
              return Optional.ofNullable(rs.getString(1));
            }
          }
        });
  }

  public void save(State s) {
    db.withConnection(
        "saving the window state of " + s.pipeline(),
        c -> {
          try (PreparedStatement ps = c.prepareStatement(SAVE_STATE)) {
            ps.setString(1, s.pipeline());
            ps.setString(2, s.newestLoaded());
            ps.setTimestamp(3, s.loadedEnd() == null ? null : Timestamp.from(s.loadedEnd()));
            ps.setString(4, s.newestClosed());
            ps.setTimestamp(5, s.closedAt() == null ? null : Timestamp.from(s.closedAt()));
            return ps.executeUpdate();
          }
        });
  }

  public List<State> states() {
    return db.withConnection(
        "reading window states",
        c -> {
          List<State> out = new ArrayList<>();
          try (PreparedStatement ps = c.prepareStatement(STATES);
              ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
              Timestamp le = rs.getTimestamp(3);
              Timestamp ca = rs.getTimestamp(5);
              out.add(
                  new State(
                      rs.getString(1),
                      rs.getString(2),
                      le == null ? null : le.toInstant(),
                      rs.getString(4),
                      ca == null ? null : ca.toInstant()));
            }
          }
          return out;
        });
  }
}
