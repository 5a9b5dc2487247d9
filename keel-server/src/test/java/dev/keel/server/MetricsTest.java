package dev.keel.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keel.runtime.FailureCause;
import dev.keel.runtime.PartitionResult;
import dev.keel.runtime.TaskRef;
import dev.keel.server.metrics.KeelMetrics;
import dev.keel.store.MetadataStore;
import dev.keel.testkit.TestDatabase;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** /metrics: runtime events become tagged keel_ metrics; database gauges; JVM and pool metrics. */
class MetricsTest {
  static MetadataStore store;
  static PrometheusMeterRegistry registry;
  static KeelServer server;
  static Http http;

  @BeforeAll
  static void start() {
    store = TestStore.fresh();
    registry = KeelMetrics.prometheus();
    server = KeelServer.builder(store, registry).port(0).host("127.0.0.1").build().start();
    http = new Http(server.port());
  }

  @AfterAll
  static void stop() {
    server.stop();
    store.close();
  }

  @Test
  void events_become_counters_and_a_duration_histogram_by_pipeline_and_outcome() {
    KeelMetrics metrics = new KeelMetrics(registry);
    TaskRef ref = new TaskRef(1, 1, "orders", "eu", 1, 1);
    metrics.taskSucceeded(ref, new PartitionResult(10, 2, 1, 7, Duration.ofMillis(250), false, 0));
    metrics.rowsRejected(ref, 1);
    metrics.taskFailed(ref, Duration.ofMillis(40), FailureCause.CONNECTION, true);
    metrics.retryScheduled(ref, FailureCause.CONNECTION, Duration.ofSeconds(2));
    metrics.taskFailed(ref, Duration.ofMillis(40), FailureCause.PERMANENT, false);
    metrics.leaseLost(ref);
    metrics.fenceRefused(ref);

    String text = http.get("/metrics", null).body();

    assertThat(text)
        .contains(
            "keel_rows_read_total{pipeline=\"orders\"} 10.0",
            "keel_rows_filtered_total{pipeline=\"orders\"} 2.0",
            "keel_rows_published_total{pipeline=\"orders\"} 7.0",
            "keel_rows_rejected_total{pipeline=\"orders\"} 1.0",
            "keel_retries_total{cause=\"connection\",pipeline=\"orders\"} 1.0",
            "keel_tasks_failed_total{cause=\"permanent\",pipeline=\"orders\"} 1.0",
            "keel_leases_lost_total{pipeline=\"orders\"} 1.0",
            "keel_fence_refusals_total{pipeline=\"orders\"} 1.0",
            "keel_task_duration_seconds_count{outcome=\"succeeded\",pipeline=\"orders\"} 1",
            "keel_task_duration_seconds_count{outcome=\"retry\",pipeline=\"orders\"} 1",
            "keel_task_duration_seconds_bucket{outcome=\"succeeded\",pipeline=\"orders\",le=\"+Inf\"} 1");
  }

  @Test
  void database_gauges_show_tasks_by_state_freshness_and_nodes_alive() {
    long version = store.versions().save("daily", "h", "name: daily", null);
    long run =
        store
            .runs()
            .create(
                "daily", version, "t", Instant.parse("2026-01-01T00:00:00Z"), List.of("a", "b"), 1)
            .orElseThrow();
    TestDatabase.exec(
        "UPDATE keel.task SET state = 'succeeded' WHERE run_id = " + run + " AND partition = 'a'",
        "UPDATE keel.run SET state = 'succeeded', finished_at = now() - interval '100 seconds' WHERE id = "
            + run,
        "INSERT INTO keel.node (id) VALUES ('n1'), ('n2')",
        "INSERT INTO keel.node (id, heartbeat_at) VALUES ('gone', now() - interval '1 hour')");

    String text = http.get("/metrics", null).body();

    assertThat(text)
        .contains(
            "keel_tasks{pipeline=\"daily\",state=\"succeeded\"} 1",
            "keel_tasks{pipeline=\"daily\",state=\"queued\"} 1",
            "keel_tasks{pipeline=\"daily\",state=\"failed\"} 0",
            "keel_nodes_alive 2",
            "keel_alerts_pending 0");
    double freshness =
        Double.parseDouble(
            text.lines()
                .filter(l -> l.startsWith("keel_run_freshness_seconds{pipeline=\"daily\"}"))
                .findFirst()
                .orElseThrow()
                .split(" ")[1]);
    assertThat(freshness).isBetween(100.0, 200.0);
  }

  @Test
  void window_lag_is_the_time_since_the_end_of_the_newest_loaded_window() {
    store
        .windows()
        .save(
            new dev.keel.store.Windows.State(
                "hourly_sales",
                "2026-11-28T10",
                Instant.now().minusSeconds(300),
                "2026-11-28T11",
                Instant.now()));

    String text = http.get("/metrics", null).body();

    double lag =
        Double.parseDouble(
            text.lines()
                .filter(l -> l.startsWith("keel_window_lag_seconds{pipeline=\"hourly_sales\"}"))
                .findFirst()
                .orElseThrow()
                .split(" ")[1]);
    assertThat(lag).isBetween(300.0, 400.0);
  }

  @Test
  void jvm_and_connection_pool_metrics_are_exported() {
    String text = http.get("/metrics", null).body();

    assertThat(text)
        .contains(
            "jvm_memory_used_bytes",
            "jvm_threads_live_threads",
            "process_uptime_seconds",
            "hikaricp_connections_active",
            "hikaricp_connections_max");
  }
}
