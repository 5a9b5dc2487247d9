package dev.keel.store;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.Optional;

/**
 * Every distinct pipeline file ever run, keyed by its SHA-256: the configuration backup. The text
 * holds secret references ({@code ${env:X}}), never resolved secrets.
 */
public final class PipelineVersions {
  /**
   * A stored version: the file's text and where it was read from (relative paths resolve there).
   */
  public record Stored(long id, String pipeline, String spec, String sourceFile) {}

  /** Saving a version makes it the current one, even when the same text was stored before. */
  private static final String INSERT =
      """
      INSERT INTO keel.pipeline_version (pipeline, hash, spec, source_file, regions) VALUES (?, ?, ?, ?, ?)
      ON CONFLICT (pipeline, hash) DO UPDATE SET current_at = now(), source_file = excluded.source_file,
        regions = excluded.regions
      RETURNING id""";

  private static final String SELECT =
      "SELECT id, pipeline, spec, source_file FROM keel.pipeline_version ";

  private final Database db;

  PipelineVersions(Database db) {
    this.db = db;
  }

  /**
   * The id of this exact version, stored first if new; it becomes the pipeline's current version.
   */
  public long save(String pipeline, String hash, String text, String sourceFile) {
    return save(pipeline, hash, text, sourceFile, java.util.List.of());
  }

  /**
   * The same, with the regions that may run it in order of preference (empty: any region), which
   * every claim of its tasks reads (Tasks).
   */
  public long save(
      String pipeline,
      String hash,
      String text,
      String sourceFile,
      java.util.List<String> regions) {
    return db.inTransaction(
        "saving pipeline version of " + pipeline,
        c -> {
          try (PreparedStatement ps = c.prepareStatement(INSERT)) {
            ps.setString(1, pipeline);
            ps.setString(2, hash);
            ps.setString(3, text);
            ps.setString(4, sourceFile);
            ps.setArray(5, regions.isEmpty() ? null : c.createArrayOf("text", regions.toArray()));
            try (ResultSet rs = ps.executeQuery()) {
              rs.next();
              return rs.getLong(1);
            }
          }
        });
  }

  public Optional<Stored> load(long id) {
    return one("loading pipeline version " + id, SELECT + "WHERE id = ?", id);
  }

  /** The version saved most recently for this pipeline name. */
  public Optional<Stored> current(String pipeline) {
    return one(
        "loading the current version of " + pipeline,
        SELECT + "WHERE pipeline = ? ORDER BY current_at DESC, id DESC LIMIT 1",
        pipeline);
  }

  private Optional<Stored> one(String doing, String sql, Object key) {
    return db.withConnection(
        doing,
        c -> {
          try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setObject(1, key);
            try (ResultSet rs = ps.executeQuery()) {
              return rs.next()
                  ? Optional.of(
                      new Stored(rs.getLong(1), rs.getString(2), rs.getString(3), rs.getString(4)))
                  : Optional.empty();
            }
          }
        });
  }
}
