package dev.keel.cli.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.keel.chaos.NodeProcess;
import dev.keel.testkit.ClusterFixture;
import dev.keel.testkit.LocalCluster;
import dev.keel.testkit.Pipelines;
import dev.keel.testkit.ReplicatedDatabase;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The metadata and sink PostgreSQL is a primary with a synchronous standby behind one multi-host
 * URL; mid-run the primary crashes together with every node of region a, and the standby is
 * promoted (as Patroni or an operator would). Region b's node follows the promotion, takes the
 * pipeline over after the lease, and the run succeeds with the APPEND rows exact.
 */
class PrimaryFailoverTest {
  static final String PIPELINE = "failover_load";
  static final int PARTITIONS = 8;
  static final int ROWS = 10_000;

  @RegisterExtension final ClusterFixture fixture = new ClusterFixture();

  @Test
  @Tag("slow")
  void primary_and_region_a_lost_mid_run_standby_promoted_region_b_finishes_exactly()
      throws Exception {
    LocalCluster cluster = fixture.startReplicated(ReplicatedDatabase.Replication.SYNCHRONOUS);
    ReplicatedDatabase pg = fixture.replicated();
    Path dir = fixture.work().resolve("pipelines");
    Pipelines.writeCsvPipeline(dir, PIPELINE, Pipelines.partitions(PARTITIONS), ROWS);
    Files.writeString(
        dir.resolve(PIPELINE + ".yaml"), "regions: [a, b]\n", StandardOpenOption.APPEND);
    NodeProcess a = cluster.node("node-a", RegionFailoverTest.args(dir, "a"));
    NodeProcess b = cluster.node("node-b", RegionFailoverTest.args(dir, "b"));
    await()
        .ignoreExceptions()
        .atMost(Duration.ofSeconds(60))
        .until(
            () ->
                cluster.scalar(
                        "SELECT count(*) FROM keel.node WHERE state = 'alive' AND heartbeat_at > now() - interval '3 seconds'")
                    == 2);
    long run = trigger(cluster, dir);
    await()
        .ignoreExceptions()
        .atMost(Duration.ofSeconds(120))
        .until(
            () ->
                cluster.scalar(
                        "SELECT count(*) FROM keel.task WHERE run_id = ? AND state = 'succeeded'",
                        run)
                    >= 2);

    pg.killPrimary();
    a.kill9();
    pg.promoteStandby();
    String promotedAt = cluster.rows("SELECT now()::text").get(0).get(0);

    await()
        .ignoreExceptions()
        .atMost(Duration.ofSeconds(240))
        .pollInterval(Duration.ofMillis(500))
        .until(
            () ->
                cluster.scalar(
                        "SELECT count(*) FROM keel.task WHERE run_id = ? AND state IN ('queued', 'running')",
                        run)
                    == 0);
    assertThat(cluster.rows("SELECT state FROM keel.run WHERE id = ?", run))
        .containsExactly(List.of("succeeded"));
    long expected = (long) PARTITIONS * ROWS;
    assertThat(cluster.scalar("SELECT count(*) FROM public." + PIPELINE)).isEqualTo(expected);
    assertThat(cluster.scalar("SELECT count(DISTINCT id) FROM public." + PIPELINE))
        .isEqualTo(expected);
    assertThat(cluster.rows(Pipelines.checksumSql(PIPELINE)).get(0).get(0))
        .isEqualTo(Pipelines.expectedChecksum(PARTITIONS, ROWS));
    assertThat(b.isAlive()).isTrue();
    // From the promotion to the first task running again (database clock of the new primary).
    double resume =
        Double.parseDouble(
            cluster
                .rows(
                    "SELECT extract(epoch FROM min(started_at) - ?::timestamptz) FROM keel.task_attempt"
                        + " WHERE node = 'node-b' AND started_at > ?::timestamptz",
                    promotedAt,
                    promotedAt)
                .get(0)
                .get(0));
    System.out.printf("promotion -> tasks running again on region b: %.1f s%n", resume);
    assertThat(resume).as("resumed well within a minute of the promotion").isLessThan(60);
  }

  static long trigger(LocalCluster cluster, Path dir) {
    return ClusterRuns.trigger(cluster, PIPELINE, dir);
  }
}
