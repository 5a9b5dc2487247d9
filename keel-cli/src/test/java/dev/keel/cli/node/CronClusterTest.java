package dev.keel.cli.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.keel.testkit.ClusterFixture;
import dev.keel.testkit.LocalCluster;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Three real node processes started at once on a minute schedule: one run per tick, however many
 * nodes see it.
 */
@Tag("slow")
class CronClusterTest {
  @RegisterExtension final ClusterFixture fixture = new ClusterFixture();
  LocalCluster cluster;

  @Test
  void three_nodes_started_at_once_on_a_minute_schedule_make_exactly_one_run_per_tick()
      throws Exception {
    Path dir = fixture.work().resolve("pipelines");
    Files.createDirectories(dir.resolve("data"));
    Files.writeString(dir.resolve("data/all.csv"), "id\n1\n2\n");
    Files.writeString(
        dir.resolve("every_minute.yaml"),
        """
        name: every_minute
        schedule: "* * * * *"
        source:
          csv: { path: "data/all.csv", header: true }
        columns:
          id: bigint
        sink:
          postgres: { table: every_minute, key: [id], mode: upsert }
        """);
    cluster = fixture.start();
    for (String id : List.of("node-a", "node-b", "node-c")) {
      cluster.node(id, "--pipelines", dir.toString(), "--lease", "3s", "--heartbeat", "1s");
    }
    await()
        .ignoreExceptions()
        .atMost(Duration.ofSeconds(200))
        .pollInterval(Duration.ofSeconds(1))
        .until(
            () ->
                cluster.scalar(
                        "SELECT count(*) FROM keel.run WHERE trigger = 'schedule' AND state = 'succeeded'")
                    >= 2);
    List<List<String>> perTick =
        cluster.rows(
            """
        SELECT logical_time::text, count(*) FROM keel.run WHERE pipeline = 'every_minute' GROUP BY logical_time ORDER BY 1""");
    assertThat(perTick)
        .hasSizeGreaterThanOrEqualTo(2)
        .allSatisfy(r -> assertThat(r.get(1)).isEqualTo("1"));
    assertThat(
            cluster.scalar(
                "SELECT count(*) FROM keel.run WHERE date_trunc('minute', logical_time) <> logical_time"))
        .isZero();
    assertThat(cluster.scalar("SELECT count(*) FROM public.every_minute")).isEqualTo(2);
  }
}
