package dev.keel.cli.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import dev.keel.chaos.NodeProcess;
import dev.keel.cli.Main;
import dev.keel.testkit.ClusterFixture;
import dev.keel.testkit.LocalCluster;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * An alert is written with the state change that caused it, so it outlives the node: node A fails a
 * task while the alert receiver is unreachable, and is killed with SIGKILL before it could deliver;
 * node B, started later, delivers the alert, exactly once.
 */
class AlertAfterKillTest {
  @RegisterExtension final ClusterFixture fixture = new ClusterFixture();
  LocalCluster cluster;
  HttpServer receiver;
  final List<JsonNode> received = new CopyOnWriteArrayList<>();

  @AfterEach
  void stopReceiver() {
    if (receiver != null) {
      receiver.stop(0);
    }
  }

  @Test
  void an_alert_of_a_node_killed_before_delivering_is_delivered_once_by_another_node()
      throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort(); // nothing listens here until the receiver starts: deliveries are
      // refused
    }
    Path dir = fixture.work().resolve("pipelines");
    Files.createDirectories(dir);
    Files.writeString(
        dir.resolve("broken.yaml"),
        """
        name: broken
        source: { csv: { path: no-such-file.csv } }
        columns: { id: bigint }
        sink: { postgres: { key: [id] } }
        retry: { attempts: 1 }
        """);
    Path alerts = fixture.work().resolve("alerts.yaml");
    Files.writeString(
        alerts,
        """
        alerts:
          receivers:
            pd: { pagerduty: { routing_key: "rk", url: "http://127.0.0.1:%d/pd" } }
          rules:
            - on: [task_failed]
              send: [pd]
        """
            .formatted(port));
    cluster = fixture.start();
    NodeProcess a =
        cluster.node(
            "node-a",
            "--pipelines",
            dir.toString(),
            "--alerts",
            alerts.toString(),
            "--poll",
            "200ms");

    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    assertThat(
            Main.execute(
                new PrintWriter(out, true),
                new PrintWriter(err, true),
                "trigger",
                "broken",
                "--db",
                cluster.url(),
                "--pipelines",
                dir.toString()))
        .as(err.toString())
        .isZero();
    await()
        .ignoreExceptions()
        .atMost(Duration.ofSeconds(60))
        .until(() -> cluster.scalar("SELECT count(*) FROM keel.task WHERE state = 'failed'") == 1);
    // The alert is in the outbox, and node A has tried (and failed) to deliver it at least once.
    await()
        .ignoreExceptions()
        .atMost(Duration.ofSeconds(30))
        .until(
            () ->
                cluster.scalar("SELECT count(*) FROM keel.alert_outbox") >= 1
                    && a.logText().contains("not delivered to pagerduty receiver pd"));
    a.kill9();

    receiver = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 0);
    receiver.createContext(
        "/",
        exchange -> {
          received.add(new ObjectMapper().readTree(exchange.getRequestBody().readAllBytes()));
          exchange.sendResponseHeaders(202, -1);
          exchange.close();
        });
    receiver.start();
    cluster.node(
        "node-b", "--pipelines", dir.toString(), "--alerts", alerts.toString(), "--poll", "200ms");

    await().atMost(Duration.ofSeconds(90)).until(() -> received.size() >= 1);
    await()
        .during(Duration.ofSeconds(5))
        .atMost(Duration.ofSeconds(10))
        .until(() -> received.size() == 1);
    JsonNode alert = received.get(0);
    assertThat(alert.get("event_action").asText()).isEqualTo("trigger");
    assertThat(alert.get("routing_key").asText()).isEqualTo("rk");
    assertThat(alert.get("dedup_key").asText()).isEqualTo("keel:task_failed:broken:all");
  }
}
