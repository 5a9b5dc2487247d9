package dev.keel.engine.node;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import dev.keel.server.alerts.AlertDispatcher;
import dev.keel.server.alerts.AlertRules;
import dev.keel.spec.AlertChecks;
import dev.keel.spec.SecretResolver;
import dev.keel.spec.SpecReader;
import dev.keel.store.Database;
import dev.keel.store.MetadataStore;
import dev.keel.testkit.TestDatabase;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The alerts nodes find by looking: node lost, run late against its schedule, rejected ratio over
 * the threshold. Two nodes' checks look at the same database (as every node does); a local receiver
 * stands in for PagerDuty and a webhook. Each incident is delivered as one trigger and one resolve.
 */
class NodeAlertsTest {
  static final Instant NOW = Instant.parse("2026-03-02T04:00:00Z");

  @TempDir Path dir;

  MetadataStore store;
  HttpServer receiver;
  final List<JsonNode> received = new CopyOnWriteArrayList<>();
  AlertRules rules;
  final List<PipelineCatalog.Current> pipelines = new CopyOnWriteArrayList<>();

  @BeforeEach
  void start() throws IOException {
    TestDatabase.reset();
    store = MetadataStore.open(new Database(TestDatabase.url(), null, null, 4, "test"));
    receiver = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    receiver.createContext(
        "/",
        exchange -> {
          received.add(new ObjectMapper().readTree(exchange.getRequestBody().readAllBytes()));
          exchange.sendResponseHeaders(202, -1);
          exchange.close();
        });
    receiver.start();
    Path file = dir.resolve("alerts.yaml");
    Files.writeString(
        file,
        """
        alerts:
          receivers:
            pd: { pagerduty: { routing_key: "rk", url: "http://127.0.0.1:%1$d/pd" } }
            hook: { webhook: { url: "http://127.0.0.1:%1$d/hook" } }
          rules:
            - on: [node_lost]
              send: [pd]
            - on: [run_late, rejected_ratio]
              pipelines: [orders]
              send: [hook]
          checks:
            node_lost_after: 30s
            run_late_after: 1h
            rejected_ratio: 2%%
        """
            .formatted(receiver.getAddress().getPort()));
    rules = AlertRules.read(file, new SecretResolver(Map.<String, String>of()::get));
  }

  @AfterEach
  void stop() {
    receiver.stop(0);
    store.close();
  }

  /** What a node's incidents loop runs; two of them stand for two nodes. */
  IncidentChecks node() {
    return new IncidentChecks(
        store, () -> pipelines, rules.checks(), Clock.fixed(NOW, ZoneOffset.UTC));
  }

  int deliver() {
    return new AlertDispatcher(store.db(), rules, HttpClient.newHttpClient()).runOnce();
  }

  @Test
  void alert_file_checks_are_read_with_defaults_for_what_is_left_out() {
    assertThat(rules.checks())
        .isEqualTo(new AlertChecks(Duration.ofSeconds(30), Duration.ofHours(1), 0.02));
    assertThat(AlertRules.none().checks().nodeLostAfter()).isEqualTo(Duration.ofSeconds(15));
  }

  @Test
  void a_node_without_heartbeat_pages_once_and_resolves_when_it_heartbeats_again() {
    store.nodes().register("node-x", "host-x", 42, null);
    store.nodes().register("node-y", "host-y", 43, null);
    TestDatabase.exec(
        "UPDATE keel.node SET heartbeat_at = now() - interval '2 minutes', tasks_held = 3 WHERE id = 'node-x'");

    node().nodes();
    node().nodes();
    assertThat(deliver()).isEqualTo(1);
    node().nodes();
    assertThat(deliver()).isZero();

    assertThat(received).hasSize(1);
    JsonNode trigger = received.get(0);
    assertThat(trigger.get("event_action").asText()).isEqualTo("trigger");
    assertThat(trigger.get("dedup_key").asText()).isEqualTo("keel:node_lost:node-x");
    assertThat(trigger.at("/payload/summary").asText())
        .contains("node node-x lost", "3 task(s) held");
    assertThat(trigger.at("/payload/custom_details/host").asText()).isEqualTo("host-x");

    store.nodes().heartbeat("node-x", "alive", List.of(), Duration.ofSeconds(10));
    node().nodes();
    node().nodes();
    assertThat(deliver()).isEqualTo(1);
    assertThat(received).hasSize(2);
    assertThat(received.get(1).get("event_action").asText()).isEqualTo("resolve");
    assertThat(received.get(1).get("dedup_key").asText()).isEqualTo("keel:node_lost:node-x");
  }

  @Test
  void a_lost_node_that_is_marked_stopped_resolves() {
    store.nodes().register("node-x", "host-x", 42, null);
    TestDatabase.exec(
        "UPDATE keel.node SET heartbeat_at = now() - interval '2 minutes' WHERE id = 'node-x'");
    node().nodes();
    store.nodes().markStopped("node-x");
    TestDatabase.exec(
        "UPDATE keel.node SET heartbeat_at = now() - interval '2 minutes' WHERE id = 'node-x'");
    node().nodes();
    deliver();

    assertThat(received)
        .extracting(j -> j.get("event_action").asText())
        .containsExactly("trigger", "resolve");
  }

  @Test
  void a_scheduled_pipeline_with_no_success_for_its_tick_is_late_until_a_run_of_it_succeeds() {
    long version = schedule("orders", "0 2 * * *", "2026-03-01T00:00:00Z");
    schedule("fresh", "0 2 * * *", "2026-03-02T03:30:00Z");

    node().late(NOW);
    node().late(NOW);
    // Before the tick is an hour old, it is not late yet.
    node().late(Instant.parse("2026-03-02T02:59:00Z"));
    assertThat(deliver()).isEqualTo(1);
    assertThat(received).hasSize(1);
    JsonNode late = received.get(0);
    assertThat(late.get("dedup_key").asText()).isEqualTo("keel:run_late:orders");
    assertThat(late.get("action").asText()).isEqualTo("trigger");
    assertThat(late.get("summary").asText())
        .contains("orders is late", "2026-03-02T02:00:00Z", "last success: never");
    assertThat(late.at("/details/tick").asText()).isEqualTo("2026-03-02T02:00:00Z");
    assertThat(
            TestDatabase.count(
                "SELECT count(*) FROM keel.alert_outbox WHERE kind = 'run_late' AND pipeline = 'fresh'"))
        .as("a pipeline stored after the tick is not late for it")
        .isZero();

    long run =
        store
            .runs()
            .create(
                "orders",
                version,
                "schedule",
                Instant.parse("2026-03-02T02:00:00Z"),
                List.of("all"),
                1)
            .orElseThrow();
    TestDatabase.exec(
        "UPDATE keel.task SET state = 'succeeded', finished_at = now() WHERE run_id = " + run);
    store.runs().refresh(run);
    node().late(NOW);
    deliver();

    assertThat(received).hasSize(2);
    assertThat(received.get(1).get("action").asText()).isEqualTo("resolve");
    assertThat(received.get(1).get("dedup_key").asText()).isEqualTo("keel:run_late:orders");
  }

  @Test
  void
      a_partition_rejecting_more_than_the_threshold_alerts_once_and_its_next_clean_attempt_resolves() {
    long version = store.versions().save("orders", "h", "name: orders", null);
    long first = finishedRun(version, "eu", 200, 10);
    finishedRun(version, "us", 200, 2);

    node().rejected();
    node().rejected();
    deliver();
    node().rejected();
    assertThat(deliver()).isZero();

    assertThat(received).hasSize(1);
    JsonNode alert = received.get(0);
    assertThat(alert.get("dedup_key").asText()).isEqualTo("keel:rejected_ratio:orders:eu");
    assertThat(alert.get("summary").asText())
        .contains("orders/eu rejected 10 of 200 rows (5.00 %, over 2.00 %)");
    assertThat(alert.at("/details/run_id").asLong()).isEqualTo(first);

    finishedRun(version, "eu", 200, 0);
    node().rejected();
    deliver();
    assertThat(received).hasSize(2);
    assertThat(received.get(1).get("action").asText()).isEqualTo("resolve");
  }

  long schedule(String name, String cron, String storedAt) {
    String text =
        "name: "
            + name
            + "\nschedule: \""
            + cron
            + "\"\nsource: { csv: { path: x.csv } }\ncolumns: { id: bigint }\n"
            + "sink: { postgres: { table: "
            + name
            + " } }\n";
    long version = store.versions().save(name, "h-" + name, text, null);
    TestDatabase.exec(
        "UPDATE keel.pipeline_version SET created_at = '" + storedAt + "' WHERE id = " + version);
    pipelines.add(
        new PipelineCatalog.Current(
            version, new SpecReader().parse(text, dir.resolve(name + ".yaml"))));
    return version;
  }

  long finishedRun(long version, String partition, long read, long rejected) {
    long run =
        store
            .runs()
            .create(
                "orders", version, "t" + System.nanoTime(), Instant.now(), List.of(partition), 1)
            .orElseThrow();
    TestDatabase.exec(
        "UPDATE keel.task SET state = 'succeeded', finished_at = clock_timestamp(), rows_read = "
            + read
            + ", rows_rejected = "
            + rejected
            + " WHERE run_id = "
            + run);
    return run;
  }
}
