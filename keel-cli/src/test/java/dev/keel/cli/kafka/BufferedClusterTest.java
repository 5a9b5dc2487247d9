package dev.keel.cli.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.keel.chaos.NodeProcess;
import dev.keel.cli.Cli;
import dev.keel.testkit.ClusterFixture;
import dev.keel.testkit.KafkaBroker;
import dev.keel.testkit.LocalCluster;
import dev.keel.testkit.TcpProxy;
import java.io.Writer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A buffered pipeline on real {@code keel node} processes, a real broker and a sink PostgreSQL
 * reached through a {@link TcpProxy}: while the proxy refuses connections (the sink is down) the
 * extract runs go on and finish, the backlog grows in the metadata, the metrics and {@code keel
 * status}, and {@code buffer_backlog} fires; when the sink returns the load stage catches up and
 * every record is in the target exactly once (append mode, so a double would show), and the alert
 * resolves.
 */
class BufferedClusterTest {
  static KafkaBroker broker;
  static Topics topics;

  static final int PER_PARTITION = 500;

  @RegisterExtension final ClusterFixture fixture = new ClusterFixture();

  TcpProxy proxy;

  @BeforeAll
  static void startBroker() throws Exception {
    broker = KafkaBroker.shared();
    topics = new Topics(broker.bootstrap());
  }

  @AfterEach
  void closeProxy() throws Exception {
    if (proxy != null) {
      proxy.close();
    }
  }

  private Path pipelines(LocalCluster cluster, String name) throws Exception {
    proxy = TcpProxy.forJdbcUrl(cluster.url());
    Path dir = fixture.work().resolve("pipelines");
    Files.createDirectories(dir);
    Files.writeString(
        dir.resolve(name + ".yaml"),
        """
        name: %s
        partitions: { values: [a, b] }
        source: { csv: { path: "%s-${partition}.csv" } }
        columns: { id: bigint, v: text }
        buffer: { kafka: { bootstrap: "%s", topic: %s, alert_after: 2s } }
        sink: { postgres: { url: "%s", table: %s, mode: append } }
        retry: { attempts: 10, backoff: 1s, max_backoff: 3s }
        """
            .formatted(name, name, broker.bootstrap(), name, proxy.jdbcUrl(cluster.url()), name));
    return dir;
  }

  /** Run {@code round}'s records: partition a and b, {@link #PER_PARTITION} each, ids distinct. */
  private static void data(Path dir, String name, int round) throws Exception {
    for (int p = 0; p < 2; p++) {
      try (Writer w =
          Files.newBufferedWriter(dir.resolve(name + "-" + (p == 0 ? "a" : "b") + ".csv"))) {
        w.write("id,v\n");
        int from = (round * 2 + p) * PER_PARTITION;
        for (int i = from; i < from + PER_PARTITION; i++) {
          w.write(i + ",v" + i + "\n");
        }
      }
    }
  }

  private static String[] nodeArgs(Path dir) {
    return new String[] {
      "--pipelines", dir.toString(),
      "--workers", "2",
      "--lease", "3s",
      "--heartbeat", "1s",
      "--poll", "200ms",
      "--http-port", "0",
      "--http-host", "127.0.0.1"
    };
  }

  private static void trigger(LocalCluster cluster, String name, Path dir) {
    Cli cli = Cli.run("trigger", name, "--db", cluster.url(), "--pipelines", dir.toString());
    assertThat(cli.exit()).as(cli.toString()).isZero();
  }

  private static long succeededExtracts(LocalCluster cluster, String name) throws Exception {
    return cluster.scalar(
        "SELECT count(*) FROM keel.run WHERE pipeline = ? AND state = 'succeeded'", name);
  }

  /** Every id of {@code rounds} rounds exactly once, each with its own value. */
  private static void assertExact(LocalCluster cluster, String name, int rounds) throws Exception {
    long rows = (long) rounds * 2 * PER_PARTITION;
    assertThat(cluster.scalar("SELECT count(*) FROM public." + name)).isEqualTo(rows);
    assertThat(cluster.scalar("SELECT count(DISTINCT id) FROM public." + name)).isEqualTo(rows);
    assertThat(
            cluster.scalar(
                "SELECT count(*) FROM public." + name + " WHERE v = 'v' || id AND id < " + rows))
        .isEqualTo(rows);
  }

  private static String metrics(LocalCluster cluster, String node) throws Exception {
    long port = cluster.scalar("SELECT http_port FROM keel.node WHERE id = ?", node);
    return HttpClient.newHttpClient()
        .send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics")).build(),
            HttpResponse.BodyHandlers.ofString())
        .body();
  }

  @Test
  void extracts_finish_while_the_sink_is_down_and_the_load_catches_up_exactly() throws Exception {
    sinkDownThenBack("bufd", Duration.ofSeconds(10), false);
  }

  @Test
  @Tag("slow")
  void a_minute_of_sink_outage_and_a_node_killed_during_the_catch_up_stay_exact() throws Exception {
    sinkDownThenBack("bufslow", Duration.ofSeconds(60), true);
  }

  private void sinkDownThenBack(String name, Duration outage, boolean killDuringCatchUp)
      throws Exception {
    topics.create(name, 2);
    LocalCluster cluster = fixture.start();
    Path dir = pipelines(cluster, name);
    NodeProcess a = cluster.node("node-a", nodeArgs(dir));
    NodeProcess b = killDuringCatchUp ? cluster.node("node-b", nodeArgs(dir)) : null;

    data(dir, name, 0);
    trigger(cluster, name, dir);
    await()
        .ignoreExceptions()
        .atMost(Duration.ofSeconds(180))
        .until(() -> cluster.scalar("SELECT count(*) FROM public." + name) == 2 * PER_PARTITION);

    proxy.down();
    proxy.cutAll();
    long downSince = System.nanoTime();
    int rounds = 1;
    // Extract runs go on and finish while the sink is down: they never touch it.
    do {
      data(dir, name, rounds);
      trigger(cluster, name, dir);
      int expected = ++rounds;
      await()
          .ignoreExceptions()
          .atMost(Duration.ofSeconds(120))
          .until(() -> succeededExtracts(cluster, name) == expected);
    } while (System.nanoTime() - downSince < outage.toNanos() / 2);
    long waiting = (long) (rounds - 1) * 2 * PER_PARTITION;
    await()
        .ignoreExceptions()
        .atMost(Duration.ofSeconds(60))
        .until(
            () ->
                cluster.scalar(
                        "SELECT sum(records) FROM keel.buffer_backlog WHERE pipeline = ?", name)
                    >= waiting);
    await()
        .ignoreExceptions()
        .atMost(Duration.ofSeconds(60))
        .until(
            () ->
                cluster.scalar(
                        "SELECT count(*) FROM keel.alert_outbox WHERE kind = 'buffer_backlog'"
                            + " AND pipeline = ? AND action = 'trigger'",
                        name)
                    == 1);
    assertThat(metrics(cluster, "node-a"))
        .containsPattern("keel_buffer_backlog_records\\{pipeline=\"" + name + "\"} [1-9]")
        .containsPattern("keel_buffer_backlog_age_seconds\\{pipeline=\"" + name + "\"} [1-9]");
    Cli status = Cli.run("status", "--db", cluster.url());
    assertThat(status.out()).containsPattern(name + " +backlog [1-9][0-9]* records, oldest");
    Cli json = Cli.run("status", "--db", cluster.url(), "--json");
    assertThat(json.out()).contains("\"buffers\"").contains("\"backlog_records\"");
    assertThat(cluster.scalar("SELECT count(*) FROM public." + name))
        .as("nothing reached the sink while it was down")
        .isEqualTo(2 * PER_PARTITION);
    while (System.nanoTime() - downSince < outage.toNanos()) {
      Thread.sleep(1_000); // the outage lasts its full length
    }

    proxy.up();
    long total = (long) rounds * 2 * PER_PARTITION;
    if (killDuringCatchUp) {
      await()
          .ignoreExceptions()
          .atMost(Duration.ofSeconds(120))
          .pollInterval(Duration.ofMillis(50))
          .until(
              () ->
                  cluster.scalar(
                          "SELECT count(*) FROM keel.task WHERE pipeline = ? AND owner = 'node-a'"
                              + " AND state = 'running'",
                          name + ".load")
                      > 0);
      a.kill9();
    }
    await()
        .ignoreExceptions()
        .atMost(Duration.ofSeconds(240))
        .until(() -> cluster.scalar("SELECT count(*) FROM public." + name) >= total);
    // Another load run after the catch-up: a batch published twice would show now.
    long last = cluster.scalar("SELECT max(id) FROM keel.run WHERE pipeline = ?", name + ".load");
    await()
        .ignoreExceptions()
        .atMost(Duration.ofSeconds(120))
        .until(
            () ->
                cluster.scalar(
                        "SELECT count(*) FROM keel.run WHERE pipeline = ? AND id > ?"
                            + " AND state = 'succeeded'",
                        name + ".load",
                        last)
                    > 0);
    assertExact(cluster, name, rounds);
    await()
        .ignoreExceptions()
        .atMost(Duration.ofSeconds(60))
        .until(
            () ->
                cluster
                    .rows(
                        "SELECT action FROM keel.alert_outbox WHERE kind = 'buffer_backlog'"
                            + " AND pipeline = ? ORDER BY id",
                        name)
                    .equals(List.of(List.of("trigger"), List.of("resolve"))));
    await()
        .ignoreExceptions()
        .atMost(Duration.ofSeconds(60))
        .until(
            () ->
                cluster.scalar(
                        "SELECT sum(records) FROM keel.buffer_backlog WHERE pipeline = ?", name)
                    == 0);
    assertThat((killDuringCatchUp ? b : a).isAlive()).isTrue();
  }
}
