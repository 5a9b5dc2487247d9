package dev.keel.store;

import java.sql.PreparedStatement;
import java.sql.ResultSet;

/**
 * Every distinct pipeline file ever run, keyed by its SHA-256: the configuration backup. The text
 * holds secret references ({@code ${env:X}}), never resolved secrets.
 */
public final class PipelineVersions {
  private static final String INSERT = """
      INSERT INTO keel.pipeline_version (pipeline, hash, spec, source_file) VALUES (?, ?, ?, ?)
      ON CONFLICT (pipeline, hash) DO NOTHING""";
  private static final String FIND = "SELECT id FROM keel.pipeline_version WHERE pipeline = ? AND hash = ?";

  private final Database db;

  PipelineVersions(Database db) {
    this.db = db;
  }

  /** The id of this exact version, stored first if new. */
  public long save(String pipeline, String hash, String text, String sourceFile) {
    return db.inTransaction("saving pipeline version of " + pipeline, c -> {
      try (PreparedStatement ps = c.prepareStatement(INSERT)) {
        ps.setString(1, pipeline);
        ps.setString(2, hash);
        ps.setString(3, text);
        ps.setString(4, sourceFile);
        ps.executeUpdate();
      }
      try (PreparedStatement ps = c.prepareStatement(FIND)) {
        ps.setString(1, pipeline);
        ps.setString(2, hash);
        try (ResultSet rs = ps.executeQuery()) {
          rs.next();
          return rs.getLong(1);
        }
      }
    });
  }
}
