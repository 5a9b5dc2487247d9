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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A node paused with SIGSTOP past its lease, then resumed with SIGCONT, while another node took its
 * task over: the zombie publishes nothing. A normal node stops itself (its lease ran out by its own
 * clock); a node whose own checks are disabled (fault injection) reaches the publish and the sink's
 * fence refuses it.
 */
class ZombieTest {
  static final String PIPELINE = "slow_load";
  static final int ROWS = 1000;

  @RegisterExtension final ClusterFixture fixture = new ClusterFixture();
  LocalCluster cluster;

  @Test
  void paused_node_past_its_lease_stops_itself_after_it_resumes_and_publishes_nothing()
      throws Exception {
    NodeProcess zombie = pauseAndResume(false);
    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> zombie.logText().contains("stopped before publishing"));
    // Whichever notices first: its heartbeat (not renewed) or its own clock (the lease ran out
    // unrenewed).
    assertThat(zombie.logText())
        .containsAnyOf("its lease was lost", "its lease ran out without a renewal");
    assertThat(zombie.logText()).doesNotContain("fence refused");
  }

  @Test
  void paused_node_that_ignores_its_lost_lease_is_refused_by_the_sink_fence() throws Exception {
    NodeProcess zombie = pauseAndResume(true);
    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> zombie.logText().contains("fence refused the publish"));
  }

  /** Returns the resumed zombie; asserts that only the other node's attempt was published. */
  NodeProcess pauseAndResume(boolean zombieIgnoresLeaseLoss) throws Exception {
    cluster = fixture.start();
    Path dir = fixture.work().resolve("pipelines");
    Files.createDirectories(dir);
    // Each partition sleeps 4 s in the source database before its rows come: long enough to pause
    // it mid-work.
    Files.writeString(
        dir.resolve(PIPELINE + ".yaml"),
        """
        name: %s
        partitions:
          values: [p01, p02]
        source:
          jdbc:
            url: "%s"
            query: "SELECT right(:partition, 2)::int * 100000 + g AS id, 'v' || g AS v FROM generate_series(1, %d) g CROSS JOIN (SELECT pg_sleep(4)) s"
        columns:
          id: bigint
          v: text
        sink:
          postgres: { table: %s, mode: append }
        retry: { attempts: 5, backoff: 200ms, max_backoff: 1s }
        """
            .formatted(PIPELINE, cluster.url(), ROWS, PIPELINE));
    List<String> common =
        List.of(
            "--pipelines",
            dir.toString(),
            "--workers",
            "1",
            "--lease",
            "3s",
            "--heartbeat",
            "1s",
            "--poll",
            "200ms");
    NodeProcess a = cluster.node("node-a", args(common, zombieIgnoresLeaseLoss));
    NodeProcess b = cluster.node("node-b", args(common, false));
    ClusterRuns.awaitAlive(cluster, 2);
    long run = trigger();
    await()
        .ignoreExceptions()
        .atMost(Duration.ofSeconds(30))
        .pollInterval(Duration.ofMillis(50))
        .until(
            () ->
                cluster.scalar(
                        "SELECT count(*) FROM keel.task WHERE run_id = ? AND owner = 'node-a' AND state = 'running'",
                        run)
                    == 1);
    long task =
        cluster.scalar("SELECT id FROM keel.task WHERE run_id = ? AND owner = 'node-a'", run);
    long zombieFence = cluster.scalar("SELECT fence FROM keel.task WHERE id = ?", task);
    // Pause it mid-work: past preparing the sink (its fence is recorded there), inside the slow
    // source.
    // Paused earlier, it would hold the sink's preparation lock and the other node could not start
    // either.
    await()
        .ignoreExceptions()
        .atMost(Duration.ofSeconds(30))
        .pollInterval(Duration.ofMillis(50))
        .until(
            () ->
                cluster.scalar("SELECT count(*) FROM keel_sink.fence WHERE token = ?", zombieFence)
                    == 1);
    a.pause();
    try {
      // node-b reaps the expired lease, claims the task with a newer fence and publishes it.
      await()
          .ignoreExceptions()
          .atMost(Duration.ofSeconds(60))
          .pollInterval(Duration.ofMillis(200))
          .until(
              () ->
                  cluster.scalar(
                          "SELECT count(*) FROM keel.task WHERE run_id = ? AND state = 'succeeded'",
                          run)
                      == 2);
    } finally {
      a.resume();
    }
    assertThat(
            cluster.rows(
                "SELECT node, outcome FROM keel.task_attempt WHERE task_id = ? ORDER BY fence",
                task))
        .containsExactly(List.of("node-a", "lease expired"), List.of("node-b", "succeeded"));
    // The zombie's attempt never lands, whatever it does after resuming.
    await()
        .atMost(Duration.ofSeconds(30))
        .until(
            () ->
                a.logText().contains("stopped before publishing")
                    || a.logText().contains("fence refused the publish"));
    assertThat(cluster.scalar("SELECT count(*) FROM public." + PIPELINE)).isEqualTo(2L * ROWS);
    assertThat(cluster.scalar("SELECT count(DISTINCT id) FROM public." + PIPELINE))
        .isEqualTo(2L * ROWS);
    assertThat(cluster.scalar("SELECT count(*) FROM keel_sink.load WHERE fence = ?", zombieFence))
        .isZero();
    assertThat(cluster.rows("SELECT state FROM keel.task WHERE id = ?", task))
        .containsExactly(List.of("succeeded"));
    assertThat(a.isAlive()).as("the resumed node stays up and keeps working").isTrue();
    return a;
  }

  static String[] args(List<String> common, boolean ignoreLeaseLoss) {
    List<String> all = new java.util.ArrayList<>(common);
    if (ignoreLeaseLoss) {
      all.add("--fault-ignore-lease-loss");
    }
    return all.toArray(String[]::new);
  }

  long trigger() {
    return ClusterRuns.trigger(cluster, PIPELINE, fixture.work().resolve("pipelines"));
  }
}
