package dev.keel.store;

import dev.keel.spec.Redactor;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;

/**
 * Rejected records of every attempt, with position and reason, written in batches; those of earlier
 * claims at positions a later claim publishes are deleted then ({@link Writer#supersede}).
 */
public final class DeadLetterStore {
  private static final String INSERT =
      """
      INSERT INTO keel.dead_letter (pipeline, run_id, task_id, partition, attempt, position, raw, reason, fence)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)""";

  /** See {@link Writer#supersede}. */
  private static final String SUPERSEDE =
      """
      DELETE FROM keel.dead_letter
      WHERE pipeline = ? AND partition = ? AND run_id = ? AND task_id = ? AND position BETWEEN ? AND ?
        AND (fence IS NULL OR fence < ?)""";

  public static final int BATCH = 500;

  /** Raw records are cut at this length; the position tells where the whole one is. */
  public static final int MAX_RAW_CHARS = 10_000;

  private final Database db;

  DeadLetterStore(Database db) {
    this.db = db;
  }

  /** A rejected record as {@code keel deadletters} shows it. */
  public record Row(
      long runId, String partition, int attempt, long position, String reason, String raw) {}

  /**
   * Each rejected position once, as its newest attempt saw it: attempts that re-read the same
   * records reject them again, and a resumed chunked attempt reads only what follows its
   * checkpoint, so the records behind it are known from the earlier attempts only. Newest by claim
   * (fence): an attempt number repeats when a claim was given back.
   */
  private static final String LAST_ATTEMPTS =
      """
      SELECT run_id, partition, attempt, position, reason, raw FROM (
        SELECT DISTINCT ON (d.task_id, d.position) d.run_id, d.partition, d.attempt, d.position, d.reason, d.raw
        FROM keel.dead_letter d
        WHERE d.pipeline = ? AND (?::text IS NULL OR d.partition = ?) AND d.run_id = ?
        ORDER BY d.task_id, d.position, d.fence DESC NULLS LAST, d.attempt DESC) latest
      ORDER BY partition, position LIMIT ?""";

  /** The newest run of the pipeline (and partition) that rejected records, if any. */
  public java.util.OptionalLong latestRun(String pipeline, String partition) {
    return db.withConnection(
        "finding dead letters of " + pipeline,
        c -> {
          try (PreparedStatement ps =
              c.prepareStatement(
                  "SELECT max(run_id) FROM keel.dead_letter WHERE pipeline = ? AND (?::text IS NULL OR partition = ?)")) {
            ps.setString(1, pipeline);
            ps.setString(2, partition);
            ps.setString(3, partition);
            try (java.sql.ResultSet rs = ps.executeQuery()) {
              rs.next();
              long run = rs.getLong(1);
              return rs.wasNull() ? java.util.OptionalLong.empty() : java.util.OptionalLong.of(run);
            }
          }
        });
  }

  public java.util.List<Row> list(String pipeline, String partition, long runId, int limit) {
    return db.withConnection(
        "reading dead letters of " + pipeline,
        c -> {
          try (PreparedStatement ps = c.prepareStatement(LAST_ATTEMPTS)) {
            ps.setString(1, pipeline);
            ps.setString(2, partition);
            ps.setString(3, partition);
            ps.setLong(4, runId);
            ps.setInt(5, limit);
            java.util.List<Row> out = new java.util.ArrayList<>();
            try (java.sql.ResultSet rs = ps.executeQuery()) {
              while (rs.next()) {
                out.add(
                    new Row(
                        rs.getLong(1),
                        rs.getString(2),
                        rs.getInt(3),
                        rs.getLong(4),
                        rs.getString(5),
                        rs.getString(6)));
              }
            }
            return out;
          }
        });
  }

  /** The source positions rejected by the last attempt at {@code partition} in {@code runId}. */
  public long[] positions(String pipeline, String partition, long runId) {
    return list(pipeline, partition, runId, Integer.MAX_VALUE).stream()
        .mapToLong(Row::position)
        .distinct()
        .toArray();
  }

  /** A writer for one attempt; call {@link Writer#close()} to flush. Not thread-safe. */
  public Writer writer(ClaimedTask task) {
    return new Writer(task);
  }

  public final class Writer implements AutoCloseable {
    private final ClaimedTask task;
    private final Object[][] pending = new Object[BATCH][];
    private int size;

    private Writer(ClaimedTask task) {
      this.task = task;
    }

    public void add(long position, String raw, String reason) {
      String cut =
          raw == null || raw.length() <= MAX_RAW_CHARS
              ? raw
              : raw.substring(0, MAX_RAW_CHARS) + "…";
      // The reason may quote a driver's message, so resolved secrets are masked in it; raw is the
      // record as read and is kept exact (keel replay publishes it again).
      pending[size++] = new Object[] {position, clean(cut), clean(Redactor.mask(reason))};
      if (size == BATCH) {
        flush();
      }
    }

    public void flush() {
      if (size == 0) {
        return;
      }
      db.inTransaction(
          "writing dead letters of " + task.pipeline() + "/" + task.partition(), this::write);
      size = 0;
    }

    private Void write(Connection c) throws SQLException {
      try (PreparedStatement ps = c.prepareStatement(INSERT)) {
        for (int i = 0; i < size; i++) {
          ps.setString(1, task.pipeline());
          ps.setLong(2, task.runId());
          ps.setLong(3, task.id());
          ps.setString(4, task.partition());
          ps.setInt(5, task.attempt());
          ps.setLong(6, (Long) pending[i][0]);
          ps.setString(7, (String) pending[i][1]);
          ps.setString(8, (String) pending[i][2]);
          ps.setLong(9, task.fence());
          ps.addBatch();
        }
        ps.executeBatch();
      }
      return null;
    }

    /**
     * Deletes what earlier claims of this task rejected at source positions {@code from} to {@code
     * to} (inclusive): this claim is publishing those positions (its publish found no load of the
     * partition, so no earlier publish of them committed) and has rejected what it rejects there
     * itself. Without it, a row an earlier attempt set aside at a publish that never committed (a
     * constraint of the target refused it then; the retry published it) would stay a dead letter,
     * and a replay would publish it a second time.
     */
    public void supersede(long from, long to) {
      db.inTransaction(
          "voiding earlier attempts' dead letters of " + task.pipeline() + "/" + task.partition(),
          c -> {
            try (PreparedStatement ps = c.prepareStatement(SUPERSEDE)) {
              // pipeline, partition and run: the lookup index (every publish asks).
              ps.setString(1, task.pipeline());
              ps.setString(2, task.partition());
              ps.setLong(3, task.runId());
              ps.setLong(4, task.id());
              ps.setLong(5, from);
              ps.setLong(6, to);
              ps.setLong(7, task.fence());
              ps.executeUpdate();
            }
            return null;
          });
    }

    @Override
    public void close() {
      flush();
    }
  }

  /** PostgreSQL text cannot hold NUL; the dead letter keeps a visible marker instead. */
  static String clean(String s) {
    return s == null ? null : s.replace("\u0000", "\\0");
  }
}
