package dev.keel.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;

/** Rejected records of every attempt, with position and reason, written in batches. */
public final class DeadLetterStore {
  private static final String INSERT = """
      INSERT INTO keel.dead_letter (pipeline, run_id, task_id, partition, attempt, position, raw, reason)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?)""";
  public static final int BATCH = 500;
  /** Raw records are cut at this length; the position tells where the whole one is. */
  public static final int MAX_RAW_CHARS = 10_000;

  private final Database db;

  DeadLetterStore(Database db) {
    this.db = db;
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
      String cut = raw == null || raw.length() <= MAX_RAW_CHARS ? raw : raw.substring(0, MAX_RAW_CHARS) + "…";
      pending[size++] = new Object[] {position, clean(cut), clean(reason)};
      if (size == BATCH) {
        flush();
      }
    }

    public void flush() {
      if (size == 0) {
        return;
      }
      db.inTransaction("writing dead letters of " + task.pipeline() + "/" + task.partition(), this::write);
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
          ps.addBatch();
        }
        ps.executeBatch();
      }
      return null;
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
