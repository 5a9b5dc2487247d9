package dev.keel.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;

/**
 * The configuration a backup holds, read from and restored to the metadata database: every pipeline
 * version as written (with its hash), the paused pipelines, and the API tokens (their SHA-256 and
 * role, never a token). Reading is one consistent snapshot; restoring is one transaction that only
 * inserts what is missing, so restoring the same snapshot twice changes nothing.
 */
public final class ConfigTables {
  public record Version(
      String pipeline,
      String hash,
      String spec,
      String sourceFile,
      OffsetDateTime createdAt,
      OffsetDateTime currentAt) {}

  public record Pause(String pipeline, OffsetDateTime pausedAt, String pausedBy) {}

  public record Token(
      String hash, String role, String note, OffsetDateTime createdAt, OffsetDateTime revokedAt) {}

  public record Snapshot(List<Version> versions, List<Pause> pauses, List<Token> tokens) {}

  /** Rows a restore inserted (the rest were there already). */
  public record Restored(int versions, int pauses, int tokens) {}

  private static final String VERSIONS =
      """
      SELECT pipeline, hash, spec, source_file, created_at, current_at
      FROM keel.pipeline_version ORDER BY pipeline, id""";
  private static final String PAUSES =
      "SELECT pipeline, paused_at, paused_by FROM keel.pipeline_pause ORDER BY pipeline";
  private static final String TOKENS =
      "SELECT hash, role, note, created_at, revoked_at FROM keel.api_token ORDER BY id";

  private static final String INSERT_VERSION =
      """
      INSERT INTO keel.pipeline_version (pipeline, hash, spec, source_file, created_at, current_at)
      VALUES (?, ?, ?, ?, COALESCE(?::timestamptz, now()), COALESCE(?::timestamptz, now()))
      ON CONFLICT (pipeline, hash) DO NOTHING""";
  private static final String INSERT_PAUSE =
      """
      INSERT INTO keel.pipeline_pause (pipeline, paused_at, paused_by)
      VALUES (?, COALESCE(?::timestamptz, now()), ?)
      ON CONFLICT (pipeline) DO NOTHING""";
  private static final String INSERT_TOKEN =
      """
      INSERT INTO keel.api_token (hash, role, note, created_at, revoked_at)
      VALUES (?, ?, ?, COALESCE(?::timestamptz, now()), ?::timestamptz)
      ON CONFLICT (hash) DO NOTHING""";

  private final Database db;

  ConfigTables(Database db) {
    this.db = db;
  }

  public Snapshot read() {
    return db.inTransaction(
        "reading the configuration for a backup",
        c -> {
          try (var st = c.createStatement()) {
            st.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY");
          }
          List<Version> versions = new ArrayList<>();
          try (PreparedStatement ps = c.prepareStatement(VERSIONS);
              ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
              versions.add(
                  new Version(
                      rs.getString(1),
                      rs.getString(2),
                      rs.getString(3),
                      rs.getString(4),
                      rs.getObject(5, OffsetDateTime.class),
                      rs.getObject(6, OffsetDateTime.class)));
            }
          }
          List<Pause> pauses = new ArrayList<>();
          try (PreparedStatement ps = c.prepareStatement(PAUSES);
              ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
              pauses.add(
                  new Pause(
                      rs.getString(1), rs.getObject(2, OffsetDateTime.class), rs.getString(3)));
            }
          }
          List<Token> tokens = new ArrayList<>();
          try (PreparedStatement ps = c.prepareStatement(TOKENS);
              ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
              tokens.add(
                  new Token(
                      rs.getString(1),
                      rs.getString(2),
                      rs.getString(3),
                      rs.getObject(4, OffsetDateTime.class),
                      rs.getObject(5, OffsetDateTime.class)));
            }
          }
          return new Snapshot(versions, pauses, tokens);
        });
  }

  public Restored restore(Snapshot s) {
    return db.inTransaction(
        "restoring the configuration from a backup",
        c -> {
          int versions = 0;
          for (Version v : s.versions()) {
            versions +=
                update(
                    c,
                    INSERT_VERSION,
                    v.pipeline(),
                    v.hash(),
                    v.spec(),
                    v.sourceFile(),
                    v.createdAt(),
                    v.currentAt());
          }
          int pauses = 0;
          for (Pause p : s.pauses()) {
            pauses += update(c, INSERT_PAUSE, p.pipeline(), p.pausedAt(), p.pausedBy());
          }
          int tokens = 0;
          for (Token t : s.tokens()) {
            tokens +=
                update(c, INSERT_TOKEN, t.hash(), t.role(), t.note(), t.createdAt(), t.revokedAt());
          }
          return new Restored(versions, pauses, tokens);
        });
  }

  private static int update(Connection c, String sql, Object... params) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(sql)) {
      for (int i = 0; i < params.length; i++) {
        ps.setObject(i + 1, params[i]);
      }
      return ps.executeUpdate();
    }
  }
}
