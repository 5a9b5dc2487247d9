package dev.keel.cli.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.keel.chaos.NodeProcess;
import dev.keel.testkit.ClusterFixture;
import dev.keel.testkit.KafkaBroker;
import dev.keel.testkit.LocalCluster;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Kafka pipelines on real {@code keel node} processes and a real broker: a {@code schedule:
 * continuous} source pipeline whose node is killed with SIGKILL in the middle of a batch neither
 * loses nor doubles a record (append mode, so a double would show), nor does one whose broker is
 * restarted; a Kafka sink whose node is killed mid-produce commits each record once.
 */
class KafkaClusterTest {
  static KafkaBroker broker;
  static Topics topics;

  @RegisterExtension final ClusterFixture fixture = new ClusterFixture();

  @BeforeAll
  static void startBroker() throws Exception {
    broker = KafkaBroker.shared();
    topics = new Topics(broker.bootstrap());
  }

  private Path pipelines(String topic) throws Exception {
    Path dir = fixture.work().resolve("pipelines");
    Files.createDirectories(dir);
    Files.writeString(
        dir.resolve(topic + ".yaml"),
        """
        name: %s
        schedule: continuous
        source: { kafka: { bootstrap: "%s", topic: %s } }
        columns: { id: bigint, customer: text, amount: "numeric(12,2)" }
        sink: { postgres: { table: %s, mode: append } }
        retry: { attempts: 10, backoff: 1s }
        """
            .formatted(topic, broker.bootstrap(), topic, topic));
    return dir;
  }

  private static String[] nodeArgs(Path dir) {
    return new String[] {
      "--pipelines",
      dir.toString(),
      "--workers",
      "2",
      "--lease",
      "3s",
      "--heartbeat",
      "1s",
      "--poll",
      "200ms"
    };
  }

  @Test
  @Tag("slow")
  void a_node_killed_mid_batch_loses_and_doubles_nothing() throws Exception {
    int partitions = 4;
    int perPartition = 25_000;
    topics.create("kills", partitions);
    for (int p = 0; p < partitions; p++) {
      topics.send("kills", p, Topics.orders(p * perPartition, (p + 1) * perPartition));
    }
    Path dir = pipelines("kills");
    LocalCluster cluster = fixture.start();
    NodeProcess a = cluster.node("node-a", nodeArgs(dir));
    NodeProcess b = cluster.node("node-b", withHttp(nodeArgs(dir)));

    // node-a holds a partition's batch in the middle of reading it: no publish of it yet.
    await()
        .ignoreExceptions()
        .atMost(Duration.ofSeconds(120))
        .pollInterval(Duration.ofMillis(50))
        .until(
            () ->
                cluster.scalar(
                        "SELECT count(*) FROM keel.task WHERE pipeline = 'kills' AND owner = 'node-a' AND state = 'running'")
                    > 0);
    a.kill9();
    // More messages while node-a is dead: node-b picks up its partitions and the new messages.
    topics.send(
        "kills", 0, Topics.orders(partitions * perPartition, partitions * perPartition + 500));
    long total = (long) partitions * perPartition + 500;
    awaitRows(cluster, "kills", total, Duration.ofSeconds(240));
    // Another whole run after that: a batch published twice would show now.
    long last = cluster.scalar("SELECT max(id) FROM keel.run WHERE pipeline = 'kills'");
    await()
        .ignoreExceptions()
        .atMost(Duration.ofSeconds(120))
        .until(
            () ->
                cluster.scalar(
                        "SELECT count(*) FROM keel.run WHERE pipeline = 'kills' AND id > ? AND state = 'succeeded'",
                        last)
                    > 0);

    assertThat(cluster.scalar("SELECT count(DISTINCT id) FROM public.kills")).isEqualTo(total);
    // Continuous: every run was scheduled by the nodes; the lag shows in the metadata and metrics.
    assertThat(cluster.rows("SELECT DISTINCT trigger FROM keel.run WHERE pipeline = 'kills'"))
        .containsExactly(List.of("continuous"));
    await()
        .atMost(Duration.ofSeconds(60))
        .ignoreExceptions()
        .until(
            () ->
                cluster.scalar(
                        "SELECT count(*) FROM keel.source_lag WHERE pipeline = 'kills' AND lag = 0")
                    == partitions);
    long port = cluster.scalar("SELECT http_port FROM keel.node WHERE id = 'node-b'");
    java.net.http.HttpResponse<String> metrics =
        java.net.http.HttpClient.newHttpClient()
            .send(
                java.net.http.HttpRequest.newBuilder(
                        java.net.URI.create("http://127.0.0.1:" + port + "/metrics"))
                    .build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
    assertThat(metrics.body())
        .contains("keel_source_lag_records{partition=\"0\",pipeline=\"kills\"} 0.0")
        .contains("keel_source_lag_records{partition=\"3\",pipeline=\"kills\"} 0.0");
    assertThat(cluster.scalar("SELECT min(id) FROM public.kills")).isZero();
    assertThat(cluster.scalar("SELECT max(id) FROM public.kills")).isEqualTo(total - 1);
    assertThat(b.isAlive()).isTrue();
  }

  @Test
  @Tag("slow")
  void a_broker_restarted_mid_stream_is_waited_for_and_nothing_is_lost_or_doubled()
      throws Exception {
    try (KafkaBroker own = KafkaBroker.start(fixture.work().resolve("broker"))) {
      Topics ownTopics = new Topics(own.bootstrap());
      ownTopics.create("restarts", 2);
      Path dir = fixture.work().resolve("pipelines");
      Files.createDirectories(dir);
      Files.writeString(
          dir.resolve("restarts.yaml"),
          """
          name: restarts
          schedule: continuous
          source: { kafka: { bootstrap: "%s", topic: restarts } }
          columns: { id: bigint, customer: text, amount: "numeric(12,2)" }
          sink: { postgres: { table: restarts, mode: append } }
          retry: { attempts: 20, backoff: 1s, max_backoff: 5s }
          """
              .formatted(own.bootstrap()));
      LocalCluster cluster = fixture.start();
      NodeProcess node = cluster.node("node-a", nodeArgs(dir));
      ownTopics.send("restarts", 0, Topics.orders(0, 2_000));
      awaitRows(cluster, "restarts", 2_000, Duration.ofSeconds(120));

      own.kill9();
      // The node keeps scheduling: its runs fail as transient (or cannot list the partitions).
      await()
          .atMost(Duration.ofSeconds(90))
          .until(
              () ->
                  node.logText().contains("did not answer")
                      || node.logText().contains("is the broker up"));
      own.start();
      ownTopics.send("restarts", 1, Topics.orders(2_000, 3_000));
      awaitRows(cluster, "restarts", 3_000, Duration.ofSeconds(180));

      assertThat(cluster.scalar("SELECT count(DISTINCT id) FROM public.restarts")).isEqualTo(3_000);
      assertThat(node.isAlive()).isTrue();
    }
  }

  @Test
  @Tag("slow")
  void a_kafka_sink_node_killed_mid_produce_leaves_each_record_committed_once() throws Exception {
    topics.create("produced", 2);
    int rows = 100_000;
    Path dir = fixture.work().resolve("pipelines");
    Files.createDirectories(dir);
    StringBuilder csv = new StringBuilder("id,customer\n");
    for (int i = 0; i < rows; i++) {
      csv.append(i).append(",customer-").append(i).append('\n');
    }
    for (String p : List.of("a", "b")) {
      Files.writeString(
          dir.resolve("produced-" + p + ".csv"),
          csv.toString().replace(",customer-", "," + p + "-"));
    }
    Files.writeString(
        dir.resolve("produced.yaml"),
        """
        name: produced
        partitions: { values: [a, b] }
        source: { csv: { path: "produced-${partition}.csv" } }
        columns: { id: bigint, customer: text }
        sink: { kafka: { bootstrap: "%s", topic: produced, key: [id] } }
        retry: { attempts: 10, backoff: 1s }
        """
            .formatted(broker.bootstrap()));
    LocalCluster cluster = fixture.start();
    // One worker each, so that node-a holds a partition when it is killed.
    String[] oneWorker = nodeArgs(dir);
    oneWorker[3] = "1";
    NodeProcess a = cluster.node("node-a", oneWorker);
    NodeProcess b = cluster.node("node-b", oneWorker);
    await()
        .ignoreExceptions()
        .atMost(Duration.ofSeconds(60))
        .until(
            () ->
                cluster.scalar(
                        "SELECT count(*) FROM keel.node WHERE state = 'alive' AND heartbeat_at > now() - interval '3 seconds'")
                    == 2);
    int code =
        dev.keel.cli.Main.execute(
            new java.io.PrintWriter(new java.io.StringWriter(), true),
            new java.io.PrintWriter(new java.io.StringWriter(), true),
            "trigger",
            "produced",
            "--db",
            cluster.url(),
            "--pipelines",
            dir.toString());
    assertThat(code).isZero();
    await()
        .ignoreExceptions()
        .atMost(Duration.ofSeconds(120))
        .pollInterval(Duration.ofMillis(50))
        .until(
            () ->
                cluster.scalar(
                        "SELECT count(*) FROM keel.task WHERE pipeline = 'produced' AND owner = 'node-a' AND state = 'running'")
                    > 0);
    a.kill9();
    await()
        .ignoreExceptions()
        .atMost(Duration.ofSeconds(240))
        .until(
            () ->
                cluster.scalar(
                        "SELECT count(*) FROM keel.task WHERE pipeline = 'produced' AND state = 'succeeded'")
                    == 2);

    List<String> messages = topics.readCommitted("produced");
    assertThat(messages).hasSize(2 * rows);
    assertThat(new java.util.HashSet<>(messages)).hasSize(2 * rows);
    assertThat(b.isAlive()).isTrue();
  }

  private static String[] withHttp(String[] args) {
    return java.util.stream.Stream.concat(
            java.util.Arrays.stream(args),
            java.util.stream.Stream.of("--http-port", "0", "--http-host", "127.0.0.1"))
        .toArray(String[]::new);
  }

  /** Waits until the table holds {@code rows}, then checks it does not grow past them. */
  private static void awaitRows(LocalCluster cluster, String table, long rows, Duration within) {
    await()
        .ignoreExceptions()
        .atMost(within)
        .pollInterval(Duration.ofMillis(500))
        .until(() -> cluster.scalar("SELECT count(*) FROM public." + table) >= rows);
    try {
      assertThat(cluster.scalar("SELECT count(*) FROM public." + table)).isEqualTo(rows);
    } catch (java.sql.SQLException e) {
      throw new AssertionError(e);
    }
  }
}
