package dev.keel.cli.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.keel.chaos.NodeProcess;
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
 * A node killed with SIGKILL loses its database session at once, and its task is taken over long
 * before its lease runs out (a minute here); a node paused for less than its lease keeps its
 * session, its lease and its task.
 */
class CrashDetectionTest {
  static final String PIPELINE = "crash_load";
  static final int ROWS = 500;

  @RegisterExtension final ClusterFixture fixture = new ClusterFixture();
  LocalCluster cluster;

  @Test
  void a_killed_node_s_task_is_taken_over_long_before_its_lease_runs_out() throws Exception {
    List<NodeProcess> nodes = startTwoNodes("60s", 4);
    long run = trigger();
    NodeProcess owner = awaitOwner(run, nodes);
    NodeProcess other = nodes.get(0) == owner ? nodes.get(1) : nodes.get(0);

    owner.kill9();

    // a lease-based takeover could not come before 60 s
    await()
        .ignoreExceptions()
        .atMost(Duration.ofSeconds(40))
        .pollInterval(Duration.ofMillis(100))
        .until(
            () ->
                cluster.scalar(
                        "SELECT count(*) FROM keel.task WHERE run_id = ? AND owner = ?",
                        run,
                        other.id())
                    == 1);
    awaitSucceeded(run);
    assertThat(
            cluster.rows(
                "SELECT node, outcome FROM keel.task_attempt a JOIN keel.task t ON t.id = a.task_id"
                    + " WHERE t.run_id = ? ORDER BY a.fence",
                run))
        .containsExactly(List.of(owner.id(), "node died"), List.of(other.id(), "succeeded"));
    assertThat(other.logText()).contains("the database session of node " + owner.id() + " ended");
    assertThat(cluster.scalar("SELECT count(*) FROM public." + PIPELINE)).isEqualTo(ROWS);
  }

  @Test
  @Tag("slow")
  void a_node_paused_for_less_than_its_lease_keeps_its_task() throws Exception {
    List<NodeProcess> nodes = startTwoNodes("10s", 6);
    long run = trigger();
    NodeProcess owner = awaitOwner(run, nodes);

    owner.pause();
    try {
      // paused while the other node heartbeats and reaps for 3 s (a third of the lease): the
      // paused node's session lives (its socket stays open), so nothing is taken over
      await()
          .ignoreExceptions()
          .atMost(Duration.ofSeconds(20))
          .until(
              () ->
                  cluster.scalar(
                          "SELECT count(*) FROM keel.coordination_clock, keel.node n"
                              + " WHERE n.id = ? AND seen_at > n.heartbeat_at + interval '3 seconds'",
                          owner.id())
                      == 1);
    } finally {
      owner.resume();
    }

    awaitSucceeded(run);
    assertThat(
            cluster.rows(
                "SELECT node, outcome FROM keel.task_attempt a JOIN keel.task t ON t.id = a.task_id"
                    + " WHERE t.run_id = ?",
                run))
        .containsExactly(List.of(owner.id(), "succeeded"));
  }

  List<NodeProcess> startTwoNodes(String lease, int sourceSeconds) throws Exception {
    cluster = fixture.start();
    Path dir = fixture.work().resolve("pipelines");
    Files.createDirectories(dir);
    // one partition whose source takes a few seconds: long enough to kill or pause its node
    Files.writeString(
        dir.resolve(PIPELINE + ".yaml"),
        """
        name: %s
        partitions:
          values: [p01]
        source:
          jdbc:
            url: "%s"
            query: "SELECT g AS id, 'v' || g AS v FROM generate_series(1, %d) g CROSS JOIN (SELECT pg_sleep(%d)) s"
        columns:
          id: bigint
          v: text
        sink:
          postgres: { table: %s, mode: append }
        retry: { attempts: 5, backoff: 100ms, max_backoff: 200ms }
        """
            .formatted(PIPELINE, cluster.url(), ROWS, sourceSeconds, PIPELINE));
    String[] args = {
      "--pipelines",
      dir.toString(),
      "--workers",
      "1",
      "--lease",
      lease,
      "--heartbeat",
      "1s",
      "--poll",
      "200ms"
    };
    List<NodeProcess> nodes = List.of(cluster.node("node-a", args), cluster.node("node-b", args));
    await()
        .ignoreExceptions()
        .atMost(Duration.ofSeconds(60))
        .until(
            () ->
                cluster.scalar(
                        "SELECT count(*) FROM keel.node WHERE state = 'alive' AND session_key IS NOT NULL")
                    == 2);
    return nodes;
  }

  /** The node running the run's one task, once its source is under way. */
  NodeProcess awaitOwner(long run, List<NodeProcess> nodes) {
    await()
        .ignoreExceptions()
        .atMost(Duration.ofSeconds(60))
        .pollInterval(Duration.ofMillis(50))
        .until(
            () ->
                cluster.scalar(
                        "SELECT count(*) FROM keel.task t JOIN keel_sink.fence f ON f.token = t.fence"
                            + " WHERE t.run_id = ? AND t.state = 'running'",
                        run)
                    == 1);
    return nodes.stream()
        .filter(
            n -> {
              try {
                return cluster.scalar(
                        "SELECT count(*) FROM keel.task WHERE run_id = ? AND owner = ?",
                        run,
                        n.id())
                    == 1;
              } catch (Exception e) {
                throw new IllegalStateException(e);
              }
            })
        .findFirst()
        .orElseThrow();
  }

  void awaitSucceeded(long run) {
    await()
        .ignoreExceptions()
        .atMost(Duration.ofSeconds(60))
        .pollInterval(Duration.ofMillis(200))
        .until(
            () ->
                cluster.scalar(
                        "SELECT count(*) FROM keel.task WHERE run_id = ? AND state = 'succeeded'",
                        run)
                    == 1);
  }

  long trigger() {
    return ClusterRuns.trigger(cluster, PIPELINE, fixture.work().resolve("pipelines"));
  }
}
