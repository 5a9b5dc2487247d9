package dev.keel.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.keel.server.api.Role;
import dev.keel.server.api.Tokens;
import dev.keel.server.metrics.KeelMetrics;
import dev.keel.store.MetadataStore;
import dev.keel.testkit.TestDatabase;
import java.io.InputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Every REST endpoint over real HTTP on a real PostgreSQL: answers, tokens, and each error code.
 */
class ApiTest {
  static final String SALES =
      """
      name: sales
      partitions: { dates: { from: 2026-01-01, to: 2026-01-05 } }
      source: { csv: { path: "sales-${partition}.csv" } }
      columns: { id: bigint, customer: text }
      sink: { postgres: { table: sales, key: [id], mode: upsert } }
      retry: { attempts: 3 }
      """;

  static MetadataStore store;
  static KeelServer server;
  static Http http;
  static String viewer;
  static String operator;

  @BeforeAll
  static void start() {
    store = TestStore.fresh();
    server =
        KeelServer.builder(store, KeelMetrics.prometheus())
            .port(0)
            .host("127.0.0.1")
            .build()
            .start();
    http = new Http(server.port());
  }

  @AfterAll
  static void stop() {
    server.stop();
    store.close();
  }

  @BeforeEach
  void clean() {
    TestDatabase.exec(
        "TRUNCATE keel.pipeline_version, keel.run, keel.task, keel.dead_letter, keel.node, keel.pipeline_pause,"
            + " keel.api_token CASCADE");
    store.versions().save("sales", "h1", SALES, "/pipelines/sales.yaml");
    viewer = new Tokens(store.db()).create(Role.VIEWER, "test");
    operator = new Tokens(store.db()).create(Role.OPERATOR, "test");
  }

  @Test
  void tokens_are_stored_only_as_sha256_hashes() {
    assertThat(
            TestDatabase.value(
                "SELECT count(*) FROM keel.api_token WHERE hash = '" + operator + "'"))
        .isEqualTo("0");
    assertThat(TestDatabase.value("SELECT min(length(hash)) FROM keel.api_token")).isEqualTo("64");
  }

  @Test
  void reads_without_a_token_or_with_an_unknown_one_are_401_in_json() {
    Http.Response none = http.get("/api/runs", null);
    Http.Response unknown = http.get("/api/runs", "keel_not-a-token");

    assertThat(none.status()).isEqualTo(401);
    assertThat(none.json().get("status").asInt()).isEqualTo(401);
    assertThat(none.json().get("error").asText()).contains("Authorization: Bearer");
    assertThat(unknown.status()).isEqualTo(401);
  }

  @Test
  void a_viewer_token_reads_but_an_action_with_it_is_403() {
    assertThat(http.get("/api/pipelines", viewer).status()).isEqualTo(200);

    Http.Response action = http.post("/api/pipelines/sales/trigger", viewer, "{}");

    assertThat(action.status()).isEqualTo(403);
    assertThat(action.json().get("error").asText()).contains("operator");
    assertThat(TestDatabase.value("SELECT count(*) FROM keel.run")).isEqualTo("0");
  }

  @Test
  void an_action_without_a_token_is_401() {
    assertThat(http.post("/api/pipelines/sales/pause", null, null).status()).isEqualTo(401);
  }

  @Test
  void open_reads_let_gets_through_but_actions_still_need_an_operator() {
    try (KeelServer open =
        KeelServer.builder(store, KeelMetrics.prometheus())
            .port(0)
            .host("127.0.0.1")
            .openReads(true)
            .build()
            .start()) {
      Http h = new Http(open.port());
      assertThat(h.get("/api/runs", null).status()).isEqualTo(200);
      assertThat(h.post("/api/pipelines/sales/trigger", null, "{}").status()).isEqualTo(401);
    }
  }

  @Test
  void pipelines_list_their_versions_newest_first() {
    store.versions().save("sales", "h2", SALES + "# v2\n", "/pipelines/sales.yaml");

    JsonNode p = http.get("/api/pipelines", viewer).json().get(0);

    assertThat(p.get("name").asText()).isEqualTo("sales");
    assertThat(p.get("paused").asBoolean()).isFalse();
    assertThat(p.get("versions")).hasSize(2);
    assertThat(p.get("versions").get(0).get("hash").asText()).isEqualTo("h2");
  }

  @Test
  void
      trigger_creates_a_run_of_every_partition_from_the_latest_version_and_the_run_lists_its_tasks() {
    Http.Response r = http.post("/api/pipelines/sales/trigger", operator, null);

    assertThat(r.status()).as(r.body()).isEqualTo(201);
    long runId = r.json().get("run_id").asLong();
    JsonNode run = http.get("/api/runs/" + runId, viewer).json();
    assertThat(run.get("state").asText()).isEqualTo("queued");
    assertThat(run.get("tasks")).hasSize(5);
    assertThat(run.get("tasks").get(0).get("max_attempts").asInt()).isEqualTo(3);
    assertThat(http.get("/api/runs?pipeline=sales", viewer).json()).hasSize(1);
    assertThat(http.get("/api/runs?pipeline=other", viewer).json()).isEmpty();
  }

  @Test
  void trigger_of_named_partitions_checks_them() {
    Http.Response ok =
        http.post("/api/pipelines/sales/trigger", operator, "{\"partitions\": [\"2026-01-02\"]}");
    Http.Response bad =
        http.post("/api/pipelines/sales/trigger", operator, "{\"partitions\": [\"2027-01-01\"]}");

    assertThat(ok.status()).isEqualTo(201);
    assertThat(ok.json().get("partitions")).hasSize(1);
    assertThat(bad.status()).isEqualTo(400);
    assertThat(bad.json().get("error").asText()).contains("2027-01-01");
  }

  @Test
  void unknown_pipeline_run_task_and_route_are_404_in_json() {
    assertThat(http.post("/api/pipelines/nope/trigger", operator, "{}").status()).isEqualTo(404);
    assertThat(http.get("/api/runs/999999", viewer).status()).isEqualTo(404);
    assertThat(http.get("/api/tasks/999999", viewer).status()).isEqualTo(404);
    assertThat(http.post("/api/tasks/999999/retry", operator, null).status()).isEqualTo(404);
    Http.Response route = http.get("/api/nowhere", viewer);
    assertThat(route.status()).isEqualTo(404);
    assertThat(route.json().get("status").asInt()).isEqualTo(404);
  }

  @Test
  void malformed_json_and_bad_fields_are_400_saying_where() {
    Http.Response malformed =
        http.post("/api/pipelines/sales/trigger", operator, "{\"partitions\": [");
    Http.Response notObject = http.post("/api/pipelines/sales/trigger", operator, "[1]");
    Http.Response unknownField =
        http.post("/api/pipelines/sales/trigger", operator, "{\"partitons\": []}");
    Http.Response badId = http.get("/api/runs/abc", viewer);
    Http.Response badLimit = http.get("/api/runs?limit=0", viewer);

    assertThat(malformed.status()).isEqualTo(400);
    assertThat(malformed.json().get("error").asText()).contains("malformed JSON", "line 1");
    assertThat(notObject.status()).isEqualTo(400);
    assertThat(unknownField.json().get("error").asText()).contains("partitons");
    assertThat(badId.status()).isEqualTo(400);
    assertThat(badLimit.status()).isEqualTo(400);
  }

  @Test
  void a_huge_body_is_413_and_creates_nothing() {
    String huge =
        "{\"partitions\": [\"" + "x".repeat((int) KeelServer.DEFAULT_MAX_REQUEST_BYTES) + "\"]}";

    Http.Response r = http.post("/api/pipelines/sales/trigger", operator, huge);

    assertThat(r.status()).isEqualTo(413);
    assertThat(r.json().get("status").asInt()).isEqualTo(413);
    assertThat(TestDatabase.value("SELECT count(*) FROM keel.run")).isEqualTo("0");
  }

  @Test
  void backfill_enqueues_the_range_once_and_refuses_an_inverted_one() {
    Http.Response ok =
        http.post(
            "/api/pipelines/sales/backfill",
            operator,
            "{\"from\": \"2026-01-02\", \"to\": \"2026-01-03\"}");
    Http.Response again =
        http.post(
            "/api/pipelines/sales/backfill",
            operator,
            "{\"from\": \"2026-01-02\", \"to\": \"2026-01-03\"}");
    Http.Response inverted =
        http.post(
            "/api/pipelines/sales/backfill",
            operator,
            "{\"from\": \"2026-01-03\", \"to\": \"2026-01-01\"}");
    Http.Response notDate =
        http.post(
            "/api/pipelines/sales/backfill",
            operator,
            "{\"from\": \"yesterday\", \"to\": \"2026-01-01\"}");

    assertThat(ok.status()).as(ok.body()).isEqualTo(201);
    assertThat(ok.json().get("partitions").toString()).isEqualTo("[\"2026-01-02\",\"2026-01-03\"]");
    assertThat(again.status()).isEqualTo(409);
    assertThat(inverted.status()).isEqualTo(400);
    assertThat(inverted.json().get("error").asText()).contains("after");
    assertThat(notDate.status()).isEqualTo(400);
  }

  @Test
  void backfill_of_a_time_partitioned_pipeline_takes_window_names() {
    store
        .versions()
        .save(
            "clicks",
            "h2",
            """
            name: clicks
            partitions:
              hourly: { start: 2026-11-01 }
              values: [eu, us]
            source: { csv: { path: "data/${partition}.csv" } }
            columns: { id: bigint }
            sink: { postgres: { key: [id] } }
            """,
            "/pipelines/clicks.yaml");
    Http.Response ok =
        http.post(
            "/api/pipelines/clicks/backfill",
            operator,
            "{\"from\": \"2026-11-28T10\", \"to\": \"2026-11-28T11\"}");
    Http.Response notWindow =
        http.post(
            "/api/pipelines/clicks/backfill",
            operator,
            "{\"from\": \"2026-11-28T10:30\", \"to\": \"2026-11-28T11\"}");

    assertThat(ok.status()).as(ok.body()).isEqualTo(201);
    assertThat(ok.json().get("partitions").toString())
        .isEqualTo(
            "[\"2026-11-28T10/eu\",\"2026-11-28T10/us\",\"2026-11-28T11/eu\",\"2026-11-28T11/us\"]");
    assertThat(notWindow.status()).isEqualTo(400);
    assertThat(notWindow.json().get("error").asText())
        .contains("not a window of clicks", "2026-11-28T10");
  }

  @Test
  void retry_queues_a_failed_task_again_with_more_attempts_and_refuses_others() {
    long runId =
        http.post("/api/pipelines/sales/trigger", operator, "{\"partitions\": [\"2026-01-01\"]}")
            .json()
            .get("run_id")
            .asLong();
    long taskId =
        Long.parseLong(TestDatabase.value("SELECT id FROM keel.task WHERE run_id = " + runId));
    assertThat(http.post("/api/tasks/" + taskId + "/retry", operator, null).status())
        .isEqualTo(409);
    TestDatabase.exec(
        "UPDATE keel.task SET state = 'failed', attempt = 3, error = 'boom', finished_at = now() WHERE id = "
            + taskId);
    store.runs().refresh(runId);

    Http.Response r = http.post("/api/tasks/" + taskId + "/retry", operator, "{\"attempts\": 2}");

    assertThat(r.status()).as(r.body()).isEqualTo(200);
    JsonNode task = http.get("/api/tasks/" + taskId, viewer).json();
    assertThat(task.get("state").asText()).isEqualTo("queued");
    assertThat(task.get("attempt").asInt()).isEqualTo(3);
    assertThat(task.get("max_attempts").asInt()).isEqualTo(5);
    assertThat(task.get("error").isNull()).isTrue();
    assertThat(store.runs().state(runId))
        .as("failed before, waiting for a node again")
        .isEqualTo("queued");
    assertThat(http.post("/api/tasks/" + taskId + "/retry", operator, "{\"attempts\": 0}").status())
        .isEqualTo(400);
  }

  @Test
  void pause_and_resume_show_in_the_pipeline_list() {
    assertThat(http.post("/api/pipelines/sales/pause", operator, null).status()).isEqualTo(200);
    assertThat(http.post("/api/pipelines/sales/pause", operator, null).status()).isEqualTo(200);
    assertThat(http.get("/api/pipelines", viewer).json().get(0).get("paused").asBoolean()).isTrue();

    assertThat(http.post("/api/pipelines/sales/resume", operator, null).status()).isEqualTo(200);

    assertThat(http.get("/api/pipelines", viewer).json().get(0).get("paused").asBoolean())
        .isFalse();
    assertThat(http.post("/api/pipelines/nope/pause", operator, null).status()).isEqualTo(404);
  }

  @Test
  void a_paused_pipelines_tasks_are_not_claimed_until_it_is_resumed() {
    long version =
        Long.parseLong(
            TestDatabase.value(
                "SELECT max(id) FROM keel.pipeline_version WHERE pipeline = 'sales'"));
    long runId =
        store
            .runs()
            .create("sales", version, "manual", java.time.Instant.now(), List.of("a", "b"), 3)
            .orElseThrow();
    assertThat(http.post("/api/pipelines/sales/pause", operator, null).status()).isEqualTo(200);

    assertThat(store.tasks().claim("node-a", null, 10, Duration.ofSeconds(10))).isEmpty();
    assertThat(store.tasks().claim("node-a", runId, 10, Duration.ofSeconds(10))).isEmpty();

    assertThat(http.post("/api/pipelines/sales/resume", operator, null).status()).isEqualTo(200);
    assertThat(store.tasks().claim("node-a", null, 10, Duration.ofSeconds(10)))
        .extracting(t -> t.partition())
        .containsExactlyInAnyOrder("a", "b");
  }

  @Test
  void nodes_show_their_region_and_pipelines_their_active_region() {
    store.nodes().register("node-eu", "h", 1, null, "eu");
    store.nodes().register("node-us", "h", 2, null, "us");
    store
        .versions()
        .save("regional", "r1", "name: regional", "/p/regional.yaml", List.of("eu", "us"));
    store.versions().save("nowhere", "n1", "name: nowhere", "/p/nowhere.yaml", List.of("apac"));

    JsonNode nodes = http.get("/api/nodes", viewer).json();
    JsonNode pipelines = http.get("/api/pipelines", viewer).json();

    assertThat(nodes.findValuesAsText("region")).containsExactly("eu", "us");
    java.util.Map<String, String> regions = new java.util.HashMap<>();
    pipelines.forEach(
        p ->
            regions.put(
                p.get("name").asText(),
                p.get("region").isNull() ? null : p.get("region").asText()));
    assertThat(regions)
        .containsEntry("regional", "eu")
        .containsEntry("nowhere", "none alive of apac")
        .containsEntry("sales", null);
  }

  @Test
  void nodes_dead_letters_and_checkpoints_are_listed_and_filtered() {
    long runId =
        http.post("/api/pipelines/sales/trigger", operator, "{\"partitions\": [\"2026-01-01\"]}")
            .json()
            .get("run_id")
            .asLong();
    long taskId =
        Long.parseLong(TestDatabase.value("SELECT id FROM keel.task WHERE run_id = " + runId));
    TestDatabase.exec(
        "INSERT INTO keel.node (id, host, pid) VALUES ('node-a', 'h', 1)",
        "INSERT INTO keel.dead_letter (pipeline, run_id, task_id, partition, attempt, position, raw, reason) VALUES"
            + " ('sales', "
            + runId
            + ", "
            + taskId
            + ", '2026-01-01', 1, 7, 'x,y', 'bad id')",
        "INSERT INTO keel.checkpoint (task_id, position, rows_done) VALUES ("
            + taskId
            + ", 'line 7', 6)");

    JsonNode nodes = http.get("/api/nodes", viewer).json();
    JsonNode letters =
        http.get("/api/dead-letters?pipeline=sales&partition=2026-01-01", viewer).json();
    JsonNode otherPartition =
        http.get("/api/dead-letters?pipeline=sales&partition=2026-01-02", viewer).json();
    JsonNode checkpoints = http.get("/api/checkpoints?pipeline=sales", viewer).json();

    assertThat(nodes.get(0).get("id").asText()).isEqualTo("node-a");
    assertThat(nodes.get(0).get("alive").asBoolean()).isTrue();
    assertThat(letters).hasSize(1);
    assertThat(letters.get(0).get("reason").asText()).isEqualTo("bad id");
    assertThat(letters.get(0).get("position").asLong()).isEqualTo(7);
    assertThat(otherPartition).isEmpty();
    assertThat(checkpoints.get(0).get("rows_done").asLong()).isEqualTo(6);
  }

  @Test
  void health_is_live_and_ready_on_a_migrated_database() {
    assertThat(http.get("/health/live", null).status()).isEqualTo(200);
    Http.Response ready = http.get("/health/ready", null);
    assertThat(ready.status()).isEqualTo(200);
    assertThat(ready.json().get("status").asText()).isEqualTo("ready");
  }

  @Test
  void every_route_is_in_the_openapi_document() throws Exception {
    JsonNode doc = new ObjectMapper().readTree(http.get("/openapi.json", null).body());
    List<String> documented = new ArrayList<>();
    doc.get("paths")
        .fields()
        .forEachRemaining(
            p ->
                p.getValue()
                    .fieldNames()
                    .forEachRemaining(m -> documented.add(m.toUpperCase() + " " + p.getKey())));

    assertThat(documented).containsExactlyInAnyOrderElementsOf(server.routes());
    try (InputStream in = KeelServer.class.getResourceAsStream("/keel/openapi.json")) {
      assertThat(new ObjectMapper().readTree(in).get("openapi").asText()).startsWith("3.");
    }
  }
}
