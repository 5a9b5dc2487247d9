package dev.keel.server.api;

import dev.keel.store.Database;
import io.javalin.http.Context;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The read side of the REST API: pipelines with versions, runs with tasks, nodes, dead letters,
 * checkpoints.
 */
public final class ReadApi {
  public static final int DEFAULT_LIMIT = 100;
  public static final int MAX_LIMIT = 1000;

  private static final String PIPELINES =
      """
      SELECT v.pipeline, v.id, v.hash, v.source_file, v.created_at,
             EXISTS (SELECT 1 FROM keel.pipeline_pause p WHERE p.pipeline = v.pipeline) AS paused,
             CASE WHEN v.regions IS NOT NULL THEN coalesce(keel.active_region(v.regions, interval '15 seconds'),
                  'none alive of ' || array_to_string(v.regions, ', ')) END AS region
      FROM keel.pipeline_version v ORDER BY v.pipeline, v.id DESC""";
  private static final String RUNS =
      """
      SELECT id, pipeline, version_id, trigger, logical_time, state, created_at, finished_at FROM keel.run
      WHERE (?::text IS NULL OR pipeline = ?::text) ORDER BY id DESC LIMIT ?""";
  private static final String RUN =
      """
      SELECT id, pipeline, version_id, trigger, logical_time, state, created_at, finished_at FROM keel.run WHERE id = ?""";
  private static final String TASKS =
      """
      SELECT t.id, t.run_id, t.pipeline, t.partition, t.state, t.attempt, t.max_attempts, t.owner, t.fence, t.due_at,
             t.lease_until, t.rows_read, t.rows_filtered, t.rows_rejected, t.rows_published, t.error, t.started_at,
             t.finished_at, c.position AS checkpoint_position, c.rows_done AS checkpoint_rows
      FROM keel.task t LEFT JOIN keel.checkpoint c ON c.task_id = t.id""";
  private static final String NODES =
      """
      SELECT n.id, n.host, n.pid, n.http_port, n.started_at, n.heartbeat_at, n.state, n.region,
             (n.state <> 'stopped' AND n.heartbeat_at > now() - interval '15 seconds') AS alive,
             (SELECT count(*) FROM keel.task t WHERE t.owner = n.id AND t.state = 'running') AS tasks_held
      FROM keel.node n ORDER BY n.id""";
  private static final String DEAD_LETTERS =
      """
      SELECT id, pipeline, run_id, task_id, partition, attempt, position, raw, reason, created_at FROM keel.dead_letter
      WHERE (?::text IS NULL OR pipeline = ?::text) AND (?::text IS NULL OR partition = ?::text)
        AND (?::bigint IS NULL OR run_id = ?::bigint)
      ORDER BY id DESC LIMIT ?""";
  private static final String CHECKPOINTS =
      """
      SELECT c.task_id, t.run_id, t.pipeline, t.partition, c.position, c.rows_done, c.updated_at
      FROM keel.checkpoint c JOIN keel.task t ON t.id = c.task_id
      WHERE (?::text IS NULL OR t.pipeline = ?::text) ORDER BY c.updated_at DESC LIMIT ?""";

  private static final String ATTEMPTS =
      """
      SELECT attempt, node, fence, started_at, finished_at, outcome, error FROM keel.task_attempt
      WHERE task_id = ? ORDER BY fence""";

  private final Database db;
  private final PipelineReads pipelineReads;

  public ReadApi(Database db) {
    this.db = db;
    this.pipelineReads = new PipelineReads(db);
  }

  public void pipelines(Context ctx) {
    record Listing(List<Map<String, Object>> rows, Map<String, Map<String, Object>> summaries) {}
    Listing listing =
        db.withConnection(
            "listing pipelines",
            c -> new Listing(Rows.list(c, PIPELINES), pipelineReads.summaries(c)));
    List<Map<String, Object>> rows = listing.rows();
    Map<String, Map<String, Object>> byName = new LinkedHashMap<>();
    for (Map<String, Object> r : rows) {
      Map<String, Object> p =
          byName.computeIfAbsent(
              (String) r.get("pipeline"),
              name -> {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("name", name);
                m.put("paused", r.get("paused"));
                // The newest version's active region: where its tasks go now (null: any region).
                m.put("region", r.get("region"));
                m.putAll(listing.summaries().getOrDefault(name, Map.of()));
                m.put("versions", new ArrayList<Map<String, Object>>());
                return m;
              });
      @SuppressWarnings("unchecked")
      List<Map<String, Object>> versions = (List<Map<String, Object>>) p.get("versions");
      versions.add(
          Map.of(
              "id",
              r.get("id"),
              "hash",
              r.get("hash"),
              "created_at",
              r.get("created_at"),
              "source_file",
              String.valueOf(r.get("source_file"))));
    }
    ctx.json(new ArrayList<>(byName.values()));
  }

  public void runs(Context ctx) {
    String pipeline = ctx.queryParam("pipeline");
    int limit = limit(ctx, DEFAULT_LIMIT);
    ctx.json(db.withConnection("listing runs", c -> Rows.list(c, RUNS, pipeline, pipeline, limit)));
  }

  public void run(Context ctx) {
    long id = id(ctx, "id");
    ctx.json(
        db.withConnection(
            "reading run " + id,
            c -> {
              List<Map<String, Object>> run = Rows.list(c, RUN, id);
              if (run.isEmpty()) {
                throw ApiException.notFound("run " + id);
              }
              Map<String, Object> out = new LinkedHashMap<>(run.get(0));
              out.put("tasks", Rows.list(c, TASKS + " WHERE t.run_id = ? ORDER BY t.id", id));
              return out;
            }));
  }

  public void task(Context ctx) {
    long id = id(ctx, "id");
    ctx.json(
        db.withConnection(
            "reading task " + id,
            c -> {
              List<Map<String, Object>> task = Rows.list(c, TASKS + " WHERE t.id = ?", id);
              if (task.isEmpty()) {
                throw ApiException.notFound("task " + id);
              }
              Map<String, Object> out = new LinkedHashMap<>(task.get(0));
              out.put("attempts", Rows.list(c, ATTEMPTS, id));
              return out;
            }));
  }

  public void nodes(Context ctx) {
    ctx.json(db.withConnection("listing nodes", c -> Rows.list(c, NODES)));
  }

  public void deadLetters(Context ctx) {
    String pipeline = ctx.queryParam("pipeline");
    String partition = ctx.queryParam("partition");
    Long run = ctx.queryParam("run") == null ? null : parseId(ctx.queryParam("run"), "run");
    int limit = limit(ctx, DEFAULT_LIMIT);
    ctx.json(
        db.withConnection(
            "listing dead letters",
            c ->
                Rows.list(
                    c, DEAD_LETTERS, pipeline, pipeline, partition, partition, run, run, limit)));
  }

  public void checkpoints(Context ctx) {
    String pipeline = ctx.queryParam("pipeline");
    int limit = limit(ctx, DEFAULT_LIMIT);
    ctx.json(
        db.withConnection(
            "listing checkpoints", c -> Rows.list(c, CHECKPOINTS, pipeline, pipeline, limit)));
  }

  static long id(Context ctx, String param) {
    return parseId(ctx.pathParam(param), param);
  }

  static long parseId(String value, String what) {
    try {
      long id = Long.parseLong(value);
      if (id > 0) {
        return id;
      }
    } catch (NumberFormatException ignored) {
      // answered below
    }
    throw ApiException.badRequest(what + " must be a positive integer, not '" + value + "'");
  }

  static int limit(Context ctx, int defaultLimit) {
    String s = ctx.queryParam("limit");
    if (s == null) {
      return defaultLimit;
    }
    try {
      int n = Integer.parseInt(s);
      if (n >= 1 && n <= MAX_LIMIT) {
        return n;
      }
    } catch (NumberFormatException ignored) {
      // answered below
    }
    throw ApiException.badRequest(
        "limit must be an integer from 1 to " + MAX_LIMIT + ", not '" + s + "'");
  }
}
