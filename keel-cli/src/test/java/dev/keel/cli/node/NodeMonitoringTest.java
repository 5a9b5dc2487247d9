package dev.keel.cli.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.keel.chaos.NodeProcess;
import dev.keel.testkit.ClusterFixture;
import dev.keel.testkit.LocalCluster;
import dev.keel.testkit.Pipelines;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A real {@code keel node} process with {@code --http-port} serves the whole HTTP side (metrics,
 * health, REST API, OpenAPI), counts the tasks it ran in its metrics, and logs JSON lines.
 */
class NodeMonitoringTest {
  static final String PIPELINE = "watched";

  @RegisterExtension final ClusterFixture fixture = new ClusterFixture();
  LocalCluster cluster;

  @Test
  void node_serves_metrics_health_and_api_and_its_metrics_count_the_tasks_it_ran()
      throws Exception {
    Path dir = fixture.work().resolve("pipelines");
    Pipelines.writeCsvPipeline(dir, PIPELINE, Pipelines.partitions(3), 40);
    cluster = fixture.start();
    NodeProcess node =
        cluster.node(
            "node-a",
            "--pipelines",
            dir.toString(),
            "--workers",
            "2",
            "--poll",
            "200ms",
            "--http-port",
            "0",
            "--http-host",
            "127.0.0.1",
            "--open-reads");
    // The node registers the port it actually serves on (0 picked a free one).
    await()
        .ignoreExceptions()
        .atMost(Duration.ofSeconds(60))
        .until(
            () ->
                cluster.scalar(
                        "SELECT coalesce(http_port, 0) FROM keel.node WHERE id = 'node-a' AND state = 'alive'")
                    > 0);
    int port = (int) cluster.scalar("SELECT http_port FROM keel.node WHERE id = 'node-a'");
    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> get(port, "/health/ready").startsWith("200"));

    long run = trigger(dir);
    await()
        .ignoreExceptions()
        .atMost(Duration.ofSeconds(60))
        .until(
            () ->
                cluster
                    .rows("SELECT state FROM keel.run WHERE id = ?", run)
                    .equals(List.of(List.of("succeeded"))));

    String metrics = get(port, "/metrics");
    assertThat(metrics)
        .startsWith("200")
        .contains(
            "keel_rows_read_total{pipeline=\"watched\"} 120.0",
            "keel_rows_published_total{pipeline=\"watched\"} 120.0",
            "keel_task_duration_seconds_count{outcome=\"succeeded\",pipeline=\"watched\"} 3",
            "keel_tasks{pipeline=\"watched\",state=\"succeeded\"} 3.0",
            "keel_nodes_alive 1.0",
            "hikaricp_connections",
            "jvm_memory_used_bytes");
    assertThat(get(port, "/health/live")).startsWith("200");
    assertThat(get(port, "/api/nodes")).startsWith("200").contains("node-a");
    assertThat(get(port, "/api/runs/" + run)).startsWith("200").contains("succeeded");
    assertThat(get(port, "/openapi.json")).startsWith("200").contains("\"openapi\"");
    // JSON log lines by default, with the node and task ids on the lines of task work.
    assertThat(node.logText())
        .contains(
            "\"node\":\"node-a\"", "\"pipeline\":\"watched\"", "\"message\":\"node node-a started");

    assertThat(node.terminate(60)).as("drains and exits 0").isZero();
    assertThat(get(port, "/health/live")).startsWith("down");
  }

  long trigger(Path dir) {
    return ClusterRuns.trigger(cluster, PIPELINE, dir);
  }

  static String get(int port, String path) {
    try {
      HttpResponse<String> r =
          HttpClient.newHttpClient()
              .send(
                  HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                      .timeout(Duration.ofSeconds(10))
                      .build(),
                  HttpResponse.BodyHandlers.ofString());
      return r.statusCode() + "\n" + r.body();
    } catch (IOException e) {
      return "down: " + e;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
