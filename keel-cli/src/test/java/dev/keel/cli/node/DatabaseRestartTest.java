package dev.keel.cli.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.keel.chaos.NodeProcess;
import dev.keel.testkit.ClusterFixture;
import dev.keel.testkit.LocalCluster;
import dev.keel.testkit.Pipelines;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The metadata PostgreSQL stops and starts again (same data, same port) under a running node: the
 * node does not exit, its loops log the failure and retry, and a run triggered after the restart
 * completes on it.
 */
class DatabaseRestartTest {
  static final String PIPELINE = "restarted";

  @RegisterExtension final ClusterFixture fixture = new ClusterFixture();
  LocalCluster cluster;

  @Test
  void node_carries_on_after_the_metadata_database_restarts() throws Exception {
    Path dir = fixture.work().resolve("pipelines");
    Pipelines.writeCsvPipeline(dir, PIPELINE, Pipelines.partitions(2), 100);
    cluster = fixture.startRestartable();
    NodeProcess node =
        cluster.node(
            "node-a",
            "--pipelines",
            dir.toString(),
            "--workers",
            "2",
            "--lease",
            "3s",
            "--heartbeat",
            "1s",
            "--poll",
            "200ms");
    long before = trigger(dir);
    awaitSucceeded(before);

    // Down for longer than the pool waits for a connection (15 s), so the loops' ticks fail, not
    // just wait.
    cluster.restartDatabase(Duration.ofSeconds(20));

    assertThat(node.logText()).contains("terminating connection", "loop failed (will retry");
    assertThat(node.isAlive()).isTrue();
    long after = trigger(dir);
    awaitSucceeded(after);
    await().atMost(Duration.ofSeconds(30)).until(() -> node.logText().contains("recovered after"));
    assertThat(cluster.scalar("SELECT count(*) FROM public." + PIPELINE)).isEqualTo(2 * 2 * 100);
    assertThat(cluster.rows("SELECT state FROM keel.node WHERE id = 'node-a'"))
        .containsExactly(List.of("alive"));
    assertThat(node.terminate(60)).as("drains and exits 0").isZero();
  }

  void awaitSucceeded(long run) {
    await()
        .ignoreExceptions()
        .atMost(Duration.ofSeconds(90))
        .pollInterval(Duration.ofMillis(300))
        .until(
            () ->
                cluster
                    .rows("SELECT state FROM keel.run WHERE id = ?", run)
                    .equals(List.of(List.of("succeeded"))));
  }

  long trigger(Path dir) {
    return ClusterRuns.trigger(cluster, PIPELINE, dir);
  }
}
