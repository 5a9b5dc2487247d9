package dev.keel.store;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.Optional;

/**
 * Which node takes each scheduled configuration backup. Time is cut into slots of the backup period
 * by the database clock; claiming a slot is one INSERT, so of any number of nodes asking at once
 * exactly one gets it. A claim left unfinished for longer than {@code takeover} (its node died
 * mid-backup) may be claimed again, by the same statement's conflict branch.
 */
public final class BackupClaims {
  /** A slot this node won: where the backup goes is decided by the caller from {@link #slot}. */
  public record Claim(OffsetDateTime slot, String node) {}

  private static final String CLAIM =
      """
      INSERT INTO keel.config_backup (slot, node, destination)
      VALUES (to_timestamp(floor(extract(epoch FROM now()) / ?) * ?), ?, ?)
      ON CONFLICT (slot) DO UPDATE
        SET node = excluded.node, destination = excluded.destination, claimed_at = now(), error = NULL
        WHERE config_backup.finished_at IS NULL
          AND config_backup.claimed_at < now() - make_interval(secs => ?)
      RETURNING slot""";

  private static final String FINISH =
      """
      UPDATE keel.config_backup SET finished_at = now(), error = ?
      WHERE slot = ? AND node = ? AND finished_at IS NULL""";

  private final Database db;

  BackupClaims(Database db) {
    this.db = db;
  }

  /**
   * Claims the current slot of length {@code every} for {@code node}; empty when another node (or
   * this one, earlier) has it.
   */
  public Optional<Claim> claim(String node, Duration every, String destination, Duration takeover) {
    double seconds = Math.max(1, every.toSeconds());
    return db.inTransaction(
        "claiming a configuration backup",
        c -> {
          try (PreparedStatement ps = c.prepareStatement(CLAIM)) {
            ps.setDouble(1, seconds);
            ps.setDouble(2, seconds);
            ps.setString(3, node);
            ps.setString(4, destination);
            ps.setDouble(5, takeover.toSeconds());
            try (ResultSet rs = ps.executeQuery()) {
              return rs.next()
                  ? Optional.of(new Claim(rs.getObject(1, OffsetDateTime.class), node))
                  : Optional.<Claim>empty();
            }
          }
        });
  }

  /** Records the end of a claimed backup ({@code error} null: it succeeded). */
  public void finish(Claim claim, String error) {
    int n =
        db.inTransaction(
            "finishing a configuration backup",
            c -> {
              try (PreparedStatement ps = c.prepareStatement(FINISH)) {
                ps.setString(1, error);
                ps.setObject(2, claim.slot());
                ps.setString(3, claim.node());
                return ps.executeUpdate();
              }
            });
    if (n > 1) {
      throw new IllegalStateException("backup slot " + claim.slot() + " finished " + n + " times");
    }
    // 0: another node took the slot over after this one looked dead; its backup is the one kept.
  }
}
