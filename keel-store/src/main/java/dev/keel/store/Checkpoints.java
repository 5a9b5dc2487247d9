package dev.keel.store;

import java.sql.PreparedStatement;

/**
 * A copy, for {@code keel status}, of how far each chunked task got. The authoritative checkpoint
 * is the one the sink commits with each chunk; this one may lag it by one chunk.
 */
public final class Checkpoints {
  private static final String SAVE =
      """
      INSERT INTO keel.checkpoint (task_id, position, rows_done) VALUES (?, ?, ?)
      ON CONFLICT (task_id) DO UPDATE SET position = excluded.position, rows_done = excluded.rows_done, updated_at = now()""";

  private final Database db;

  Checkpoints(Database db) {
    this.db = db;
  }

  public void save(ClaimedTask task, String position, long rowsDone) {
    db.inTransaction(
        "saving the checkpoint of task " + task.id(),
        c -> {
          try (PreparedStatement ps = c.prepareStatement(SAVE)) {
            ps.setLong(1, task.id());
            ps.setString(2, position);
            ps.setLong(3, rowsDone);
            return ps.executeUpdate();
          }
        });
  }
}
