package dev.keel.cli.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.keel.chaos.NodeProcess;
import dev.keel.cli.Main;
import dev.keel.testkit.ClusterFixture;
import dev.keel.testkit.LocalCluster;
import dev.keel.testkit.Pipelines;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A pipeline with {@code regions: [a, b]} on real node processes: while region a has a live node,
 * b's node runs none of its tasks although it is idle; when a's node is killed, b's node takes the
 * rest over after the lease and the APPEND rows come out exact.
 */
class RegionFailoverTest {
  static final String PIPELINE = "regional_load";
  static final int PARTITIONS = 8;
  static final int ROWS = 10_000;

  @RegisterExtension final ClusterFixture fixture = new ClusterFixture();
  LocalCluster cluster;

  @Test
  @Tag("slow")
  void region_b_runs_nothing_while_a_is_alive_and_takes_over_when_a_dies() throws Exception {
    Path dir = fixture.work().resolve("pipelines");
    Pipelines.writeCsvPipeline(dir, PIPELINE, Pipelines.partitions(PARTITIONS), ROWS);
    Files.writeString(
        dir.resolve(PIPELINE + ".yaml"), "regions: [a, b]\n", StandardOpenOption.APPEND);
    cluster = fixture.start();
    NodeProcess a = cluster.node("node-a", args(dir, "a"));
    NodeProcess b = cluster.node("node-b", args(dir, "b"));
    await()
        .ignoreExceptions()
        .atMost(Duration.ofSeconds(60))
        .until(
            () ->
                cluster.scalar(
                        "SELECT count(*) FROM keel.node WHERE state = 'alive' AND heartbeat_at > now() - interval '3 seconds'")
                    == 2);
    long run = trigger(dir);

    // a works through the run one task at a time; b is idle and polls every 200 ms meanwhile.
    await()
        .ignoreExceptions()
        .atMost(Duration.ofSeconds(120))
        .until(
            () ->
                cluster.scalar(
                        "SELECT count(*) FROM keel.task WHERE run_id = ? AND state = 'succeeded'",
                        run)
                    >= 2);
    assertThat(cluster.scalar("SELECT count(*) FROM keel.task_attempt WHERE node = 'node-b'"))
        .as("region b claimed nothing while region a had a live node")
        .isZero();
    assertThat(
            cluster.scalar(
                "SELECT count(*) FROM keel.task WHERE run_id = ? AND state IN ('queued', 'running')",
                run))
        .as("work was left for b to take")
        .isPositive();

    a.kill9();

    await()
        .ignoreExceptions()
        .atMost(Duration.ofSeconds(180))
        .pollInterval(Duration.ofMillis(500))
        .until(
            () ->
                cluster.scalar(
                        "SELECT count(*) FROM keel.task WHERE run_id = ? AND state IN ('queued', 'running')",
                        run)
                    == 0);
    assertThat(
            cluster.rows(
                "SELECT partition, state, error FROM keel.task WHERE run_id = ? AND state <> 'succeeded'",
                run))
        .isEmpty();
    assertThat(cluster.scalar("SELECT count(*) FROM keel.task_attempt WHERE node = 'node-b'"))
        .as("b took the rest over")
        .isPositive();
    long expected = (long) PARTITIONS * ROWS;
    assertThat(cluster.scalar("SELECT count(*) FROM public." + PIPELINE)).isEqualTo(expected);
    assertThat(cluster.scalar("SELECT count(DISTINCT id) FROM public." + PIPELINE))
        .isEqualTo(expected);
    assertThat(cluster.rows(Pipelines.checksumSql(PIPELINE)).get(0).get(0))
        .isEqualTo(Pipelines.expectedChecksum(PARTITIONS, ROWS));
    assertThat(b.isAlive()).isTrue();
    // keel status calls a node dead after 15 s without a heartbeat (not the nodes' lease), so it
    // shows b active at the latest 15 s after a's last heartbeat.
    await()
        .atMost(Duration.ofSeconds(60))
        .untilAsserted(() -> assertThat(statusText()).contains(PIPELINE).contains("active b"));
  }

  static String[] args(Path dir, String region) {
    return new String[] {
      "--pipelines",
      dir.toString(),
      "--region",
      region,
      "--workers",
      "1",
      "--lease",
      "3s",
      "--heartbeat",
      "1s",
      "--poll",
      "200ms"
    };
  }

  long trigger(Path dir) {
    return ClusterRuns.trigger(cluster, PIPELINE, dir);
  }

  String statusText() {
    StringWriter out = new StringWriter();
    int code =
        Main.execute(
            new PrintWriter(out, true),
            new PrintWriter(new StringWriter(), true),
            "status",
            "--db",
            cluster.url());
    assertThat(code).isZero();
    return out.toString();
  }
}
