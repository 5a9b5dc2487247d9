package dev.keel.server.api;

import dev.keel.spec.JdbcUrls;
import dev.keel.store.Database;
import io.javalin.http.Context;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What the web UI shows of pipelines beyond the plain lists of {@link ReadApi}: the state of each
 * pipeline's last run and its freshness, how many loads its sink keeps (so whether it has a history
 * to roll back to), the grid of recent runs by partition, and the text of a stored version (with
 * connection URLs redacted) for a diff.
 */
public final class PipelineReads {
  public static final int DEFAULT_GRID_RUNS = 25;

  private static final String LAST_RUNS =
      """
      SELECT p.pipeline, v.id AS version_id, v.spec, v.source_file,
             r.id AS last_run_id, r.state AS last_run_state, r.created_at AS last_run_created_at,
             r.finished_at AS last_run_finished_at, s.finished_at AS last_success_at,
             extract(epoch FROM now() - s.finished_at)::bigint AS freshness_seconds
      FROM (SELECT DISTINCT pipeline FROM keel.pipeline_version) p
      JOIN LATERAL (SELECT id, spec, source_file FROM keel.pipeline_version WHERE pipeline = p.pipeline
                    ORDER BY id DESC LIMIT 1) v ON true
      LEFT JOIN LATERAL (SELECT id, state, created_at, finished_at FROM keel.run WHERE pipeline = p.pipeline
                         ORDER BY id DESC LIMIT 1) r ON true
      LEFT JOIN LATERAL (SELECT finished_at FROM keel.run WHERE pipeline = p.pipeline AND state = 'succeeded'
                         ORDER BY finished_at DESC NULLS LAST LIMIT 1) s ON true""";
  private static final String GRID_RUNS =
      """
      SELECT id, state, trigger, logical_time, created_at, finished_at FROM keel.run WHERE pipeline = ? ORDER BY id DESC LIMIT ?""";
  private static final String GRID_TASKS =
      """
      SELECT t.id, t.run_id, t.partition, t.state, t.attempt FROM keel.task t
      WHERE t.run_id IN (SELECT id FROM keel.run WHERE pipeline = ? ORDER BY id DESC LIMIT ?) ORDER BY t.id""";
  private static final String VERSION =
      """
      SELECT id, pipeline, hash, source_file, created_at, spec FROM keel.pipeline_version WHERE pipeline = ? AND id = ?""";

  /**
   * A top-level {@code schedule:} line; the stored text is the file as written, already validated
   * when stored.
   */
  private static final Pattern SCHEDULE =
      Pattern.compile("(?m)^schedule:\\s*(?:\"([^\"]*)\"|'([^']*)'|([^#\\n]*?))\\s*(?:#.*)?$");

  /** Anything in a stored file that looks like a connection URL; redacted as in logs. */
  private static final Pattern URL =
      Pattern.compile(
          "[a-z][a-z0-9+.-]*:(?:[a-z0-9+.-]+:)?//[^\\s\"',}]+", Pattern.CASE_INSENSITIVE);

  /** A stream source's lag per partition (Kafka), as its last task measured it. */
  private static final String SOURCE_LAG =
      """
      SELECT partition, lag AS records, measured_at FROM keel.source_lag WHERE pipeline = ?
      ORDER BY partition""";

  private final Database db;
  private final KeptVersions keptVersions = new KeptVersions();

  public PipelineReads(Database db) {
    this.db = db;
  }

  /**
   * The last run, last success and schedule of every pipeline, by name (merged into {@code GET
   * /api/pipelines}).
   */
  Map<String, Map<String, Object>> summaries(Connection c) throws SQLException {
    Map<String, Map<String, Object>> out = new LinkedHashMap<>();
    for (Map<String, Object> r : Rows.list(c, LAST_RUNS)) {
      Map<String, Object> s = new LinkedHashMap<>();
      s.put("schedule", schedule((String) r.get("spec")));
      s.put(
          "keep_versions",
          keptVersions.of(
              (Long) r.get("version_id"), (String) r.get("spec"), (String) r.get("source_file")));
      Map<String, Object> last = null;
      if (r.get("last_run_id") != null) {
        last = new LinkedHashMap<>();
        last.put("id", r.get("last_run_id"));
        last.put("state", r.get("last_run_state"));
        last.put("created_at", r.get("last_run_created_at"));
        last.put("finished_at", r.get("last_run_finished_at"));
      }
      s.put("last_run", last);
      s.put("last_success_at", r.get("last_success_at"));
      s.put("freshness_seconds", r.get("freshness_seconds"));
      out.put((String) r.get("pipeline"), s);
    }
    return out;
  }

  /**
   * {@code GET /api/pipelines/{name}/grid}: the newest runs, each with its tasks by partition, and
   * the source lag of each partition of a stream pipeline.
   */
  public void grid(Context ctx) {
    String name = ctx.pathParam("name");
    int limit = ReadApi.limit(ctx, DEFAULT_GRID_RUNS);
    ctx.json(
        db.withConnection(
            "reading the grid of " + name,
            c -> {
              if (Rows.list(
                      c, "SELECT 1 FROM keel.pipeline_version WHERE pipeline = ? LIMIT 1", name)
                  .isEmpty()) {
                throw ApiException.notFound("pipeline '" + name + "'");
              }
              Map<Long, Map<String, Object>> runs = new LinkedHashMap<>();
              for (Map<String, Object> r : Rows.list(c, GRID_RUNS, name, limit)) {
                Map<String, Object> run = new LinkedHashMap<>(r);
                run.put("tasks", new LinkedHashMap<String, Object>());
                runs.put((Long) r.get("id"), run);
              }
              Set<String> partitions = new LinkedHashSet<>();
              for (Map<String, Object> t : Rows.list(c, GRID_TASKS, name, limit)) {
                partitions.add((String) t.get("partition"));
                @SuppressWarnings("unchecked")
                Map<String, Object> tasks =
                    (Map<String, Object>) runs.get((Long) t.get("run_id")).get("tasks");
                tasks.put(
                    (String) t.get("partition"),
                    Map.of(
                        "id", t.get("id"), "state", t.get("state"), "attempt", t.get("attempt")));
              }
              Map<String, Object> out = new LinkedHashMap<>();
              out.put("pipeline", name);
              out.put("partitions", new ArrayList<>(partitions));
              out.put("runs", new ArrayList<>(runs.values()));
              out.put("source_lag", Rows.list(c, SOURCE_LAG, name));
              return out;
            }));
  }

  /**
   * {@code GET /api/pipelines/{name}/versions/{id}}: one stored version's text, connection URLs
   * redacted.
   */
  public void version(Context ctx) {
    String name = ctx.pathParam("name");
    long id = ReadApi.id(ctx, "id");
    List<Map<String, Object>> rows =
        db.withConnection(
            "reading version " + id + " of " + name, c -> Rows.list(c, VERSION, name, id));
    if (rows.isEmpty()) {
      throw ApiException.notFound("version " + id + " of pipeline '" + name + "'");
    }
    Map<String, Object> out = new LinkedHashMap<>(rows.get(0));
    out.put("spec", redactUrls((String) out.get("spec")));
    ctx.json(out);
  }

  static String schedule(String spec) {
    if (spec == null) {
      return null;
    }
    Matcher m = SCHEDULE.matcher(spec);
    if (!m.find()) {
      return null;
    }
    String v = m.group(1) != null ? m.group(1) : m.group(2) != null ? m.group(2) : m.group(3);
    return v.isBlank() ? null : v;
  }

  static String redactUrls(String text) {
    if (text == null) {
      return null;
    }
    Matcher m = URL.matcher(text);
    StringBuilder out = new StringBuilder();
    while (m.find()) {
      m.appendReplacement(out, Matcher.quoteReplacement(JdbcUrls.redact(m.group())));
    }
    m.appendTail(out);
    return out.toString();
  }
}
