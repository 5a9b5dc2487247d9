package dev.keel.server.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.keel.spec.PipelineSpec;
import dev.keel.spec.SecretResolver;
import dev.keel.spec.SpecException;
import dev.keel.spec.SpecReader;
import dev.keel.store.MetadataStore;
import io.javalin.http.Context;
import java.nio.file.Path;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The operator actions: trigger a run or a backfill from the latest stored version of a pipeline,
 * retry a failed task, pause and resume a pipeline, replay dead letters (through {@link Replays},
 * which the process that serves supplies). Runs are created with {@code Runs.create}, the same
 * idempotent insert the scheduler uses, so a repeated backfill of one range is a 409, not a second
 * run.
 */
public final class Actions {
  private static final Logger log = LoggerFactory.getLogger(Actions.class);
  public static final int MAX_RETRY_ATTEMPTS = PipelineControl.MAX_RETRY_ATTEMPTS;

  private static final String LATEST =
      """
      SELECT id, spec, source_file FROM keel.pipeline_version WHERE pipeline = ? ORDER BY id DESC LIMIT 1""";

  private record Latest(long versionId, PipelineSpec spec) {}

  private final MetadataStore store;
  private final PipelineControl control;
  private final Replays replays;
  private final Rollbacks rollbacks;
  // Only partitions and retry settings are needed here: a missing env secret reads as empty
  // instead of refusing the pipeline (the node that runs it resolves secrets for real).
  private final SpecReader reader =
      new SpecReader(
          new SecretResolver(
              name -> {
                String v = System.getenv(name);
                return v == null ? "" : v;
              }));

  public Actions(MetadataStore store) {
    this(store, null);
  }

  /** {@code replays} null: the replay action answers 501. */
  public Actions(MetadataStore store, Replays replays) {
    this(store, replays, null);
  }

  /** {@code rollbacks} null: history and rollback answer 501. */
  public Actions(MetadataStore store, Replays replays, Rollbacks rollbacks) {
    this.store = store;
    this.control = new PipelineControl(store);
    this.replays = replays;
    this.rollbacks = rollbacks;
  }

  /** Every partition, including those a source defines itself (a Kafka topic's). */
  private static List<String> allPartitions(dev.keel.spec.PipelineSpec spec) {
    try {
      return dev.keel.connector.Connectors.installed().partitionsOf(spec);
    } catch (dev.keel.KeelException e) {
      throw ApiException.badRequest(e.getMessage());
    }
  }

  public void trigger(Context ctx) {
    String name = ctx.pathParam("name");
    ObjectNode body = JsonBody.parse(ctx, Set.of("partitions"));
    Latest latest = latest(name);
    List<String> partitions = body.has("partitions") ? List.of() : allPartitions(latest.spec());
    if (body.has("partitions")) {
      partitions =
          strings(body.get("partitions"), "partitions").stream()
              .flatMap(p -> latest.spec().partitions().expand(p).stream())
              .toList();
      String unknown = latest.spec().unknownPartition(partitions);
      if (unknown != null) {
        throw ApiException.badRequest(unknown);
      }
      if (partitions.isEmpty()) {
        throw ApiException.badRequest("partitions is empty; leave it out to run every partition");
      }
    }
    created(ctx, name, latest, "api", Instant.now(), partitions);
  }

  public void backfill(Context ctx) {
    String name = ctx.pathParam("name");
    ObjectNode body = JsonBody.parse(ctx, Set.of("from", "to"));
    Latest windowed = latest(name);
    if (windowed.spec().partitions().isWindows()) {
      backfillWindows(ctx, name, windowed, body);
      return;
    }
    LocalDate from = date(body, "from");
    LocalDate to = date(body, "to");
    if (from.isAfter(to)) {
      throw ApiException.badRequest(
          "from (" + from + ") is after to (" + to + "); give the range oldest first");
    }
    Latest latest = latest(name);
    if (!latest.spec().partitions().isDates()) {
      throw ApiException.badRequest(name + " is not partitioned by dates; trigger it instead");
    }
    List<String> partitions = new ArrayList<>();
    for (LocalDate d = from; !d.isAfter(to); d = d.plusDays(1)) {
      if (latest.spec().partitions().contains(d.toString())) {
        partitions.add(d.toString());
      }
    }
    if (partitions.isEmpty()) {
      throw ApiException.badRequest(from + ".." + to + " holds none of " + name + "'s partitions");
    }
    created(
        ctx,
        name,
        latest,
        "backfill:" + from + ".." + to,
        from.atStartOfDay().toInstant(ZoneOffset.UTC),
        partitions);
  }

  /** A backfill of a time-partitioned pipeline: from and to are window names (inclusive). */
  private void backfillWindows(Context ctx, String name, Latest latest, ObjectNode body) {
    dev.keel.spec.Partitions partitions = latest.spec().partitions();
    dev.keel.spec.TimeWindows windows = partitions.windows();
    List<dev.keel.spec.TimeWindow> bounds = new ArrayList<>();
    for (String field : List.of("from", "to")) {
      JsonNode n = body.get(field);
      if (n == null || !n.isTextual()) {
        throw ApiException.badRequest(field + " is required, as a window name like \"2026-01-31\"");
      }
      bounds.add(
          windows
              .parse(n.asText())
              .orElseThrow(
                  () ->
                      ApiException.badRequest(
                          latest.spec().unknownPartition(List.of(n.asText())))));
    }
    if (bounds.get(0).startInstant().isAfter(bounds.get(1).startInstant())) {
      throw ApiException.badRequest(
          "from ("
              + bounds.get(0)
              + ") is after to ("
              + bounds.get(1)
              + "); give the range oldest first");
    }
    List<dev.keel.spec.TimeWindow> range =
        windows.between(bounds.get(0), bounds.get(1), dev.keel.spec.Partitions.MAX_DATES + 1);
    if (range.size() > dev.keel.spec.Partitions.MAX_DATES) {
      throw ApiException.badRequest(
          "more than " + dev.keel.spec.Partitions.MAX_DATES + " windows; split it");
    }
    List<String> cells = new ArrayList<>();
    range.forEach(w -> cells.addAll(partitions.cells(w)));
    created(
        ctx,
        name,
        latest,
        "backfill:" + bounds.get(0) + ".." + bounds.get(1),
        bounds.get(0).startInstant(),
        cells);
  }

  public void retry(Context ctx) {
    long id = ReadApi.id(ctx, "id");
    ObjectNode body = JsonBody.parse(ctx, Set.of("attempts"));
    int attempts = body.has("attempts") ? body.get("attempts").asInt(-1) : 1;
    if (body.has("attempts") && !body.get("attempts").isIntegralNumber()) {
      attempts = -1;
    }
    PipelineControl.Retried task = control.retry(id, attempts, "the API");
    ctx.json(
        Map.of(
            "task_id",
            id,
            "run_id",
            task.runId(),
            "pipeline",
            task.pipeline(),
            "partition",
            task.partition(),
            "state",
            "queued",
            "max_attempts",
            task.maxAttempts()));
  }

  public void pause(Context ctx) {
    String name = ctx.pathParam("name");
    JsonBody.parse(ctx, Set.of());
    control.pause(name, "api");
    ctx.json(Map.of("pipeline", name, "paused", true));
  }

  public void resume(Context ctx) {
    String name = ctx.pathParam("name");
    JsonBody.parse(ctx, Set.of());
    control.resume(name, "api");
    ctx.json(Map.of("pipeline", name, "paused", false));
  }

  /**
   * Replays the rejected records of a partition. 202: the replay run exists and runs on; its page
   * shows how it ends. A second replay of the same source run is a 409 (one replay per source run
   * and partition).
   */
  public void replay(Context ctx) {
    String name = ctx.pathParam("name");
    ObjectNode body = JsonBody.parse(ctx, Set.of("partition", "run"));
    JsonNode partition = body.get("partition");
    if (partition == null || !partition.isTextual() || partition.asText().isEmpty()) {
      throw ApiException.badRequest("partition is required, as a string");
    }
    JsonNode run = body.get("run");
    if (run != null && !run.isNull() && !(run.isIntegralNumber() && run.asLong() > 0)) {
      throw ApiException.badRequest(
          "run must be a positive run id; leave it out for the newest run with rejects");
    }
    if (replays == null) {
      throw new ApiException(
          501,
          "this server cannot replay dead letters (it was built without the engine); run keel replay "
              + name
              + " --partition "
              + partition.asText()
              + " instead");
    }
    Replays.Started started =
        replays.replay(name, partition.asText(), run == null || run.isNull() ? null : run.asLong());
    log.info(
        "replay run {} of {} partition {} created by the API ({} record(s) of run {})",
        started.runId(),
        name,
        partition.asText(),
        started.records(),
        started.sourceRun());
    ctx.status(202)
        .json(
            Map.of(
                "run_id",
                started.runId(),
                "pipeline",
                name,
                "partition",
                partition.asText(),
                "source_run",
                started.sourceRun(),
                "records",
                started.records()));
  }

  /** The kept loads of a pipeline ({@code ?partition=P} for one), newest first. */
  public void history(Context ctx) {
    String name = ctx.pathParam("name");
    String partition = ctx.queryParam("partition");
    ctx.json(
        Map.of(
            "pipeline",
            name,
            "loads",
            rollbacks(name).history(name, partition).stream().map(Actions::load).toList()));
  }

  /**
   * Restores a partition to what it held right after a run's publish: {@code {"partition": P,
   * "run": R}}. 200 with the rollback's load ({@code "load": null} when the run's load is the
   * newest already).
   */
  public void rollback(Context ctx) {
    String name = ctx.pathParam("name");
    ObjectNode body = JsonBody.parse(ctx, Set.of("partition", "run"));
    JsonNode partition = body.get("partition");
    if (partition == null || !partition.isTextual() || partition.asText().isEmpty()) {
      throw ApiException.badRequest("partition is required, as a string");
    }
    JsonNode run = body.get("run");
    if (run == null || !(run.isIntegralNumber() && run.asLong() > 0)) {
      throw ApiException.badRequest("run is required, a positive run id (keel history lists them)");
    }
    dev.keel.runtime.LoadHistory.Load load =
        rollbacks(name).rollback(name, partition.asText(), run.asLong());
    log.info(
        "{} partition {} rolled back to run {} by the API", name, partition.asText(), run.asLong());
    java.util.Map<String, Object> out = new java.util.LinkedHashMap<>();
    out.put("pipeline", name);
    out.put("partition", partition.asText());
    out.put("run", run.asLong());
    out.put("load", load == null ? null : load(load));
    ctx.json(out);
  }

  private static Map<String, Object> load(dev.keel.runtime.LoadHistory.Load l) {
    java.util.Map<String, Object> m = new java.util.LinkedHashMap<>();
    m.put("version", l.version());
    m.put("partition", l.partition());
    m.put("run", l.runId());
    m.put("restored_run", l.restoredRun());
    m.put("mode", l.mode());
    m.put("published_at", l.publishedAt().toString());
    m.put("inserted", l.inserted());
    m.put("updated", l.updated());
    m.put("deleted", l.deleted());
    m.put("undoable", l.undoable());
    return m;
  }

  private Rollbacks rollbacks(String name) {
    if (rollbacks == null) {
      throw new ApiException(
          501,
          "this server cannot reach sinks (it was built without the engine); use keel history|rollback "
              + name
              + " instead");
    }
    return rollbacks;
  }

  private void created(
      Context ctx,
      String name,
      Latest latest,
      String trigger,
      Instant logicalTime,
      List<String> partitions) {
    long runId =
        store
            .runs()
            .create(
                name, latest.versionId(), trigger, logicalTime, partitions, latest.spec().retry())
            .orElseThrow(
                () ->
                    new ApiException(
                        409,
                        "a run of "
                            + name
                            + " with trigger "
                            + trigger
                            + " and logical time "
                            + logicalTime
                            + " exists already"));
    log.info(
        "run {} of {} created by the API ({}, {} partitions)",
        runId,
        name,
        trigger,
        partitions.size());
    ctx.status(201)
        .json(
            Map.of(
                "run_id",
                runId,
                "pipeline",
                name,
                "version_id",
                latest.versionId(),
                "trigger",
                trigger,
                "partitions",
                partitions));
  }

  private Latest latest(String name) {
    Object[] row =
        store
            .db()
            .withConnection(
                "reading the latest version of " + name,
                c -> {
                  try (PreparedStatement ps = c.prepareStatement(LATEST)) {
                    ps.setString(1, name);
                    try (ResultSet rs = ps.executeQuery()) {
                      return rs.next()
                          ? new Object[] {rs.getLong(1), rs.getString(2), rs.getString(3)}
                          : null;
                    }
                  }
                });
    if (row == null) {
      throw ApiException.notFound(
          "pipeline '" + name + "' (no version of it was ever stored; run or deploy it first)");
    }
    try {
      Path file = Path.of(row[2] == null ? name + ".yaml" : (String) row[2]);
      return new Latest(
          (Long) row[0],
          dev.keel.spec.BufferStages.stage(reader.parse((String) row[1], file), name));
    } catch (SpecException e) {
      throw new ApiException(
          422, "the stored version of " + name + " cannot be read: " + e.getMessage());
    }
  }

  private static List<String> strings(JsonNode node, String field) {
    if (!node.isArray()) {
      throw ApiException.badRequest(field + " must be an array of strings");
    }
    Set<String> out = new LinkedHashSet<>();
    for (JsonNode n : node) {
      if (!n.isTextual()) {
        throw ApiException.badRequest(field + " must be an array of strings");
      }
      out.add(n.asText());
    }
    return new ArrayList<>(out);
  }

  private static LocalDate date(ObjectNode body, String field) {
    JsonNode n = body.get(field);
    if (n == null || !n.isTextual()) {
      throw ApiException.badRequest(field + " is required, as a date like \"2026-01-31\"");
    }
    try {
      return LocalDate.parse(n.asText());
    } catch (DateTimeParseException e) {
      throw ApiException.badRequest(field + " '" + n.asText() + "' is not a date like 2026-01-31");
    }
  }
}
