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
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Real {@code keel node} processes on one PostgreSQL: nodes are killed with SIGKILL in the middle
 * of their work, and every partition still lands exactly once.
 */
class ClusterKillTest {
  static final String PIPELINE = "kill_load";

  @RegisterExtension final ClusterFixture fixture = new ClusterFixture();
  LocalCluster cluster;

  @Test
  void killed_nodes_tasks_are_rerun_by_survivors_and_every_row_lands_once() throws Exception {
    killTwoOfThree(12, 40_000);
  }

  @Test
  @Tag("slow")
  void sixty_partitions_survive_two_killed_nodes_of_three() throws Exception {
    killTwoOfThree(60, 40_000);
  }

  void killTwoOfThree(int partitions, int rowsEach) throws Exception {
    Path dir = fixture.work().resolve("pipelines");
    Pipelines.writeCsvPipeline(dir, PIPELINE, Pipelines.partitions(partitions), rowsEach);
    cluster = fixture.start();
    String[] args = {
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
    NodeProcess a = cluster.node("node-a", args);
    NodeProcess b = cluster.node("node-b", args);
    NodeProcess c = cluster.node("node-c", args);
    ClusterRuns.awaitAlive(cluster, 3);

    long run = trigger(dir);

    // Kill node-a while it holds tasks, after the cluster has published something.
    awaitHolding(run, a, 1);
    List<String> heldByA = held(run, a);
    a.kill9();
    // Later, node-b, while it holds tasks too.
    awaitHolding(run, b, 3);
    List<String> heldByB = held(run, b);
    b.kill9();

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

    assertThat(
            cluster.rows(
                "SELECT partition, state, error FROM keel.task WHERE run_id = ? AND state <> 'succeeded'",
                run))
        .isEmpty();
    assertThat(cluster.rows("SELECT state FROM keel.run WHERE id = ?", run))
        .containsExactly(List.of("succeeded"));
    ClusterRuns.assertExactRows(cluster, PIPELINE, partitions, rowsEach);
    assertThat(
            cluster.scalar(
                "SELECT count(*) FROM keel_sink.load WHERE target LIKE '%" + PIPELINE + "%'"))
        .isEqualTo(partitions);

    // The killed nodes' tasks were finished by the survivors, on a later claim (or, for a task
    // whose success the killed node committed between the snapshot above and its SIGKILL, by it,
    // once).
    for (String task : heldByA) {
      assertThat(survivorSucceeded(task, "node-a"))
          .as("task %s held by node-a when it was killed", task)
          .isTrue();
    }
    for (String task : heldByB) {
      assertThat(survivorSucceeded(task, "node-b"))
          .as("task %s held by node-b when it was killed", task)
          .isTrue();
    }
    assertThat(c.isAlive()).isTrue();
    assertThat(c.terminate(60)).as("node-c drains and exits 0 on SIGTERM").isZero();
    assertThat(cluster.rows("SELECT state FROM keel.node WHERE id = 'node-c'"))
        .containsExactly(List.of("stopped"));
  }

  long trigger(Path dir) {
    return ClusterRuns.trigger(cluster, PIPELINE, fixture.work().resolve("pipelines"));
  }

  void awaitHolding(long run, NodeProcess node, int succeededAtLeast) {
    await()
        .ignoreExceptions()
        .atMost(Duration.ofSeconds(120))
        .pollInterval(Duration.ofMillis(50))
        .until(
            () ->
                cluster.scalar(
                            "SELECT count(*) FROM keel.task WHERE run_id = ? AND owner = ? AND state = 'running'",
                            run,
                            node.id())
                        > 0
                    && cluster.scalar(
                            "SELECT count(*) FROM keel.task WHERE run_id = ? AND state = 'succeeded'",
                            run)
                        >= succeededAtLeast);
  }

  List<String> held(long run, NodeProcess node) throws Exception {
    return cluster
        .rows(
            "SELECT id::text FROM keel.task WHERE run_id = ? AND owner = ? AND state = 'running'",
            run,
            node.id())
        .stream()
        .map(r -> r.get(0))
        .toList();
  }

  boolean survivorSucceeded(String taskId, String killed) throws Exception {
    if (cluster.scalar(
                "SELECT count(*) FROM keel.task_attempt WHERE task_id = ?::bigint AND outcome = 'succeeded'",
                taskId)
            == 1
        && cluster.scalar(
                "SELECT count(*) FROM keel.task_attempt WHERE task_id = ?::bigint AND outcome = 'succeeded'"
                    + " AND node = ?",
                taskId,
                killed)
            == 1) {
      return true;
    }
    return cluster.scalar(
            """
        SELECT count(*) FROM keel.task_attempt s WHERE s.task_id = ?::bigint AND s.outcome = 'succeeded' AND s.node <> ?
          AND s.fence > (SELECT max(k.fence) FROM keel.task_attempt k WHERE k.task_id = s.task_id AND k.node = ?)""",
            taskId,
            killed,
            killed)
        == 1;
  }
}
