package dev.keel.store;

import dev.keel.spec.Redactor;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.List;

/**
 * Pipeline files a node could not load (their previous valid version keeps running); shown by
 * status.
 */
public final class PipelineProblems {
  public record Problem(
      String sourceFile, String pipeline, String problem, String node, String seenAt) {}

  private final Database db;

  PipelineProblems(Database db) {
    this.db = db;
  }

  public void report(String sourceFile, String pipeline, String problem, String node) {
    db.inTransaction(
        "reporting a problem with " + sourceFile,
        c -> {
          try (PreparedStatement ps =
              c.prepareStatement(
                  """
          INSERT INTO keel.pipeline_problem (source_file, pipeline, problem, node) VALUES (?, ?, ?, ?)
          ON CONFLICT (source_file) DO UPDATE SET pipeline = excluded.pipeline, problem = excluded.problem,
            node = excluded.node, seen_at = now()""")) {
            ps.setString(1, sourceFile);
            ps.setString(2, pipeline);
            ps.setString(3, Redactor.mask(problem));
            ps.setString(4, node);
            return ps.executeUpdate();
          }
        });
  }

  public void clear(String sourceFile) {
    db.inTransaction(
        "clearing the problem with " + sourceFile,
        c -> {
          try (PreparedStatement ps =
              c.prepareStatement("DELETE FROM keel.pipeline_problem WHERE source_file = ?")) {
            ps.setString(1, sourceFile);
            return ps.executeUpdate();
          }
        });
  }

  public List<Problem> list() {
    return db.withConnection(
        "reading pipeline problems",
        c -> {
          try (PreparedStatement ps =
                  c.prepareStatement(
                      "SELECT source_file, pipeline, problem, node, seen_at::text FROM keel.pipeline_problem ORDER BY source_file");
              ResultSet rs = ps.executeQuery()) {
            List<Problem> out = new ArrayList<>();
            while (rs.next()) {
              out.add(
                  new Problem(
                      rs.getString(1),
                      rs.getString(2),
                      rs.getString(3),
                      rs.getString(4),
                      rs.getString(5)));
            }
            return out;
          }
        });
  }
}
