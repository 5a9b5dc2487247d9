package dev.keel.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import dev.keel.server.alerts.AlertDispatcher;
import dev.keel.server.alerts.AlertRules;
import dev.keel.spec.SecretResolver;
import dev.keel.store.MetadataStore;
import dev.keel.testkit.TestDatabase;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Alerts through the outbox: written by the database with the state change, delivered to a local
 * receiver standing in for PagerDuty, Opsgenie, Slack and a webhook, in each one's format.
 */
class AlertsTest {
  record Received(String path, String authorization, JsonNode body) {}

  static MetadataStore store;
  static HttpServer receiver;
  static final List<Received> received = new CopyOnWriteArrayList<>();
  static final AtomicInteger failNext = new AtomicInteger();

  @TempDir Path dir;

  @BeforeAll
  static void start() throws IOException {
    store = TestStore.fresh();
    receiver = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    receiver.createContext(
        "/",
        exchange -> {
          byte[] body = exchange.getRequestBody().readAllBytes();
          int status = failNext.getAndUpdate(n -> Math.max(0, n - 1)) > 0 ? 503 : 202;
          if (status == 202) {
            received.add(
                new Received(
                    exchange.getRequestURI().toString(),
                    exchange.getRequestHeaders().getFirst("Authorization"),
                    new ObjectMapper().readTree(new String(body, StandardCharsets.UTF_8))));
          }
          exchange.sendResponseHeaders(status, -1);
          exchange.close();
        });
    receiver.start();
  }

  @AfterAll
  static void stop() {
    receiver.stop(0);
    store.close();
  }

  @BeforeEach
  void clean() {
    TestDatabase.exec(
        "TRUNCATE keel.pipeline_version, keel.run, keel.task, keel.alert_outbox, keel.alert_incident CASCADE");
    received.clear();
    failNext.set(0);
  }

  @AfterEach
  void noneLeft() {
    failNext.set(0);
  }

  private AlertDispatcher dispatcher(String receivers, String kinds) throws IOException {
    String base = "http://127.0.0.1:" + receiver.getAddress().getPort();
    Path file = dir.resolve("alerts.yaml");
    Files.writeString(
        file,
        """
        alerts:
          receivers:
            pd: { pagerduty: { routing_key: "${env:PD_KEY}", url: "%1$s/pd" } }
            og: { opsgenie: { api_key: "og-key", url: "%1$s/og/v2/alerts" } }
            slack: { slack: { webhook: "%1$s/slack" } }
            hook: { webhook: { url: "%1$s/hook" } }
          rules:
            - on: [%3$s]
              send: [%2$s]
        """
            .formatted(base, receivers, kinds));
    AlertRules rules =
        AlertRules.read(file, new SecretResolver(Map.of("PD_KEY", "pd-routing-key")::get));
    return new AlertDispatcher(store.db(), rules, HttpClient.newHttpClient());
  }

  private long run(String pipeline, String... partitions) {
    long version = store.versions().save(pipeline, "h", "name: " + pipeline, null);
    return store
        .runs()
        .create(pipeline, version, "t" + System.nanoTime(), Instant.now(), List.of(partitions), 1)
        .orElseThrow();
  }

  /**
   * The state change as the executor makes it: the task's row, then the run derived from its tasks.
   */
  private void finish(long runId, String state) {
    TestDatabase.exec(
        "UPDATE keel.task SET state = '"
            + state
            + "', attempt = 1, error = "
            + (state.equals("failed") ? "'relation \"orders\" does not exist'" : "NULL")
            + " WHERE run_id = "
            + runId);
    store.runs().refresh(runId);
  }

  @Test
  void a_task_failing_for_good_pages_pagerduty_with_a_stable_dedup_key_and_its_success_resolves()
      throws IOException {
    AlertDispatcher d = dispatcher("pd", "task_failed");
    finish(run("orders", "eu"), "failed");

    assertThat(d.runOnce()).isEqualTo(1);
    finish(run("orders", "eu"), "succeeded");
    assertThat(d.runOnce()).isEqualTo(1);

    assertThat(received).hasSize(2);
    JsonNode trigger = received.get(0).body();
    assertThat(received.get(0).path()).isEqualTo("/pd");
    assertThat(trigger.get("routing_key").asText()).isEqualTo("pd-routing-key");
    assertThat(trigger.get("event_action").asText()).isEqualTo("trigger");
    assertThat(trigger.get("dedup_key").asText()).isEqualTo("keel:task_failed:orders:eu");
    assertThat(trigger.at("/payload/summary").asText())
        .contains("orders/eu failed", "does not exist");
    assertThat(trigger.at("/payload/source").asText()).isEqualTo("keel");
    assertThat(trigger.at("/payload/severity").asText()).isEqualTo("error");
    assertThat(trigger.at("/payload/custom_details/partition").asText()).isEqualTo("eu");
    JsonNode resolve = received.get(1).body();
    assertThat(resolve.get("event_action").asText()).isEqualTo("resolve");
    assertThat(resolve.get("dedup_key").asText()).isEqualTo("keel:task_failed:orders:eu");
    assertThat(resolve.has("payload")).isFalse();
  }

  @Test
  void opsgenie_gets_an_alert_with_alias_and_a_close_by_alias() throws IOException {
    AlertDispatcher d = dispatcher("og", "run_failed");
    finish(run("orders", "eu", "us"), "failed");
    d.runOnce();
    finish(run("orders", "eu"), "succeeded");
    d.runOnce();

    assertThat(received).hasSize(2);
    Received create = received.get(0);
    assertThat(create.path()).isEqualTo("/og/v2/alerts");
    assertThat(create.authorization()).isEqualTo("GenieKey og-key");
    assertThat(create.body().get("alias").asText()).isEqualTo("keel:run_failed:orders");
    assertThat(create.body().get("message").asText()).contains("of orders failed");
    assertThat(create.body().at("/details/failed_partitions").asText()).contains("eu", "us");
    assertThat(received.get(1).path())
        .isEqualTo("/og/v2/alerts/keel%3Arun_failed%3Aorders/close?identifierType=alias");
  }

  @Test
  void slack_and_webhook_get_their_formats() throws IOException {
    AlertDispatcher d = dispatcher("slack, hook", "run_failed");
    finish(run("orders", "eu"), "failed");
    d.runOnce();

    assertThat(received).extracting(Received::path).containsExactly("/slack", "/hook");
    assertThat(received.get(0).body().get("text").asText())
        .startsWith(":red_circle: keel: run")
        .contains("orders failed");
    JsonNode hook = received.get(1).body();
    assertThat(hook.get("action").asText()).isEqualTo("trigger");
    assertThat(hook.get("kind").asText()).isEqualTo("run_failed");
    assertThat(hook.get("pipeline").asText()).isEqualTo("orders");
    assertThat(hook.get("dedup_key").asText()).isEqualTo("keel:run_failed:orders");
  }

  @Test
  void a_flapping_run_sends_one_trigger_and_one_resolve_not_a_storm() throws IOException {
    AlertDispatcher d = dispatcher("pd", "run_failed");
    for (int i = 0; i < 3; i++) {
      finish(run("orders", "eu"), "failed");
      finish(run("orders", "eu"), "succeeded");
    }

    d.runOnce();

    assertThat(received)
        .extracting(r -> r.body().get("event_action").asText())
        .containsExactly("trigger", "resolve");
    assertThat(
            TestDatabase.value("SELECT count(*) FROM keel.alert_outbox WHERE delivered_at IS NULL"))
        .isEqualTo("0");
    assertThat(d.runOnce()).isZero();
  }

  @Test
  void an_alert_is_in_the_outbox_with_the_state_change_and_two_nodes_deliver_it_once()
      throws Exception {
    finish(run("orders", "eu"), "failed");
    // The node that failed the task is gone before delivering: the alert waits in the outbox.
    assertThat(
            TestDatabase.value("SELECT count(*) FROM keel.alert_outbox WHERE kind = 'run_failed'"))
        .isEqualTo("1");
    AlertDispatcher a = dispatcher("pd", "run_failed");
    AlertDispatcher b = dispatcher("pd", "run_failed");

    CompletableFuture<Integer> fa = CompletableFuture.supplyAsync(a::runOnce);
    CompletableFuture<Integer> fb = CompletableFuture.supplyAsync(b::runOnce);

    assertThat(fa.get() + fb.get()).isEqualTo(1);
    assertThat(received).hasSize(1);
  }

  @Test
  void a_failed_delivery_is_retried_later_and_receivers_that_took_it_are_not_sent_it_again()
      throws IOException {
    AlertDispatcher d = dispatcher("slack, hook", "run_failed");
    finish(run("orders", "eu"), "failed");
    failNext.set(1); // slack answers 503, the webhook 202

    d.runOnce();

    assertThat(received).extracting(Received::path).containsExactly("/hook");
    assertThat(
            TestDatabase.value(
                "SELECT concat_ws(' ', attempts, delivered_at IS NULL, array_to_string(delivered_to, ','),"
                    + " last_error) FROM keel.alert_outbox WHERE kind = 'run_failed'"))
        .isEqualTo("1 t hook slack receiver slack: HTTP 503 ");
    TestDatabase.exec(
        "UPDATE keel.alert_outbox SET next_attempt_at = now()"); // the backoff has passed
    d.runOnce();
    assertThat(received).extracting(Received::path).containsExactly("/hook", "/slack");
  }

  @Test
  void alert_files_with_unknown_keys_or_receivers_are_refused_with_the_place() throws IOException {
    Path file = dir.resolve("bad.yaml");
    Files.writeString(
        file,
        "alerts:\n  receivers: {}\n  rules:\n    - on: [task_failed]\n      send: [nobody]\n");
    org.assertj.core.api.Assertions.assertThatThrownBy(
            () -> AlertRules.read(file, SecretResolver.system()))
        .hasMessageContaining("alerts.rules[0].send: no receiver named 'nobody'");
  }

  @Test
  void alert_file_problems_are_all_reported_with_line_and_column() throws IOException {
    Path file = dir.resolve("bad.yaml");
    Files.writeString(
        file,
        "alerts:\n  receivers:\n    chat: { slak: { webhook: x } }\n  checks:\n"
            + "    node_lost_after: soon\n    rejected_ratio: 200%\n");
    org.assertj.core.api.Assertions.assertThatThrownBy(
            () -> AlertRules.read(file, SecretResolver.system()))
        .isInstanceOf(dev.keel.spec.SpecException.class)
        .hasMessageContaining(
            file + ":3:13: unknown key 'slak' in alerts.receivers.chat; did you mean 'slack'?")
        .hasMessageContaining(
            file
                + ":5:22: alerts.checks.node_lost_after must be a duration such as 500ms, 2s, 5m or 1h, not 'soon'")
        .hasMessageContaining(
            file + ":6:21: alerts.checks.rejected_ratio: '200%' is not a percentage");
  }
}
