package dev.keel.cli.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.keel.chaos.NodeProcess;
import dev.keel.store.SharedOutage;
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
 * The database every node shares (metadata and sink) crashes mid-run and comes back: an outage
 * every node saw costs its own length, not the leases of live nodes. No task is taken over, no
 * attempt is spent, the APPEND rows come out exact; a node that really died in the outage is reaped
 * one lease after the database returned, and nobody else's task is.
 */
class DatabaseOutageTest {
  static final String PIPELINE = "outage_load";
  static final int PARTITIONS = 12;
  static final int ROWS = 40_000;

  @RegisterExtension final ClusterFixture fixture = new ClusterFixture();
  LocalCluster cluster;

  @Test
  void a_five_second_crash_mid_run_takes_no_task_over_and_spends_no_attempt() throws Exception {
    crashMidRun(Duration.ofSeconds(10), Duration.ofSeconds(5));
  }

  @Test
  @Tag("slow")
  void a_crash_longer_than_a_lease_takes_no_task_over_either() throws Exception {
    crashMidRun(Duration.ofSeconds(3), Duration.ofSeconds(8));
  }

  void crashMidRun(Duration lease, Duration down) throws Exception {
    List<NodeProcess> nodes = startThreeNodes(lease);
    long run = trigger();
    awaitRunningOnEveryNodeWithSomePublished(run, nodes);

    cluster.restartDatabase(down);

    awaitEnded(run);
    assertExactRows(run);
    assertThat(
            cluster.rows(
                "SELECT task_id, node, fence FROM keel.task_attempt WHERE outcome = 'lease expired'"))
        .as(() -> "no lease expired: nobody took a live node's task\n" + diagnosis(nodes))
        .isEmpty();
    assertThat(cluster.scalar("SELECT max(attempt) FROM keel.task WHERE run_id = ?", run))
        .as("no attempt spent")
        .isEqualTo(1);
    assertThat(
            cluster.scalar(
                "SELECT count(*) FROM keel.coordination_clock WHERE outage_ended_at IS NOT NULL"))
        .isEqualTo(1);
    for (NodeProcess n : nodes) {
      assertThat(n.logText()).doesNotContain("expired during attempt");
      assertThat(n.isAlive()).isTrue();
    }
  }

  @Test
  @Tag("slow")
  void a_node_killed_during_the_outage_is_reaped_after_the_database_returns_and_no_other_is()
      throws Exception {
    Duration lease = Duration.ofSeconds(3);
    List<NodeProcess> nodes = startThreeNodes(lease);
    long run = trigger();
    awaitRunningOnEveryNodeWithSomePublished(run, nodes);
    NodeProcess dead = nodes.get(0);

    cluster.restartDatabase(Duration.ofSeconds(5), dead::kill9); // down longer than a lease

    awaitEnded(run);
    assertExactRows(run);
    assertThat(
            cluster.rows(
                "SELECT DISTINCT node FROM keel.task_attempt WHERE outcome = 'lease expired'"))
        .as("only the dead node's leases expired")
        .containsExactly(List.of(dead.id()));
    assertThat(
            cluster.scalar(
                """
        SELECT count(*) FROM keel.task_attempt a, keel.coordination_clock c WHERE a.outcome = 'lease expired'
          AND a.finished_at BETWEEN c.outage_ended_at AND c.outage_ended_at + interval '1 second' * ?""",
                Math.max(lease.toSeconds(), SharedOutage.MIN_GRACE.toSeconds()) + 5))
        .as("reaped within the grace (and a reaper tick) of the database's return")
        .isEqualTo(
            cluster.scalar(
                "SELECT count(*) FROM keel.task_attempt WHERE outcome = 'lease expired'"));
  }

  /**
   * What a failure needs to be understood from CI's output alone: when each expired lease was
   * reaped against the outage the clock recorded, and what the nodes logged at WARN or above.
   */
  String diagnosis(List<NodeProcess> nodes) {
    StringBuilder out = new StringBuilder();
    try {
      out.append("coordination clock (seen_at, outage_ended_at, outage_seconds): ")
          .append(
              cluster.rows(
                  "SELECT seen_at, outage_ended_at, outage_seconds FROM keel.coordination_clock"))
          .append("\nexpired attempts (task, node, fence, started, finished): ")
          .append(
              cluster.rows(
                  "SELECT task_id, node, fence, started_at, finished_at FROM keel.task_attempt"
                      + " WHERE outcome = 'lease expired' ORDER BY finished_at"))
          .append('\n');
    } catch (Exception e) {
      out.append("(the database could not be read: ").append(e).append(")\n");
    }
    for (NodeProcess n : nodes) {
      n.logText()
          .lines()
          .filter(l -> l.contains("WARN") || l.contains("ERROR") || l.contains("recovered"))
          .limit(40)
          .forEach(l -> out.append(n.id()).append(": ").append(l).append('\n'));
    }
    return out.toString();
  }

  List<NodeProcess> startThreeNodes(Duration lease) throws Exception {
    Path dir = fixture.work().resolve("pipelines");
    Pipelines.writeCsvPipeline(dir, PIPELINE, Pipelines.partitions(PARTITIONS), ROWS);
    cluster = fixture.startRestartable();
    String[] args = {
      "--pipelines",
      dir.toString(),
      "--workers",
      "2",
      "--lease",
      lease.toSeconds() + "s",
      "--heartbeat",
      "1s",
      "--poll",
      "200ms"
    };
    List<NodeProcess> nodes =
        List.of(
            cluster.node("node-a", args),
            cluster.node("node-b", args),
            cluster.node("node-c", args));
    ClusterRuns.awaitAlive(cluster, 3);
    return nodes;
  }

  void awaitRunningOnEveryNodeWithSomePublished(long run, List<NodeProcess> nodes) {
    await()
        .ignoreExceptions()
        .atMost(Duration.ofSeconds(120))
        .pollInterval(Duration.ofMillis(50))
        .until(
            () ->
                cluster.scalar(
                            "SELECT count(DISTINCT owner) FROM keel.task WHERE run_id = ? AND state = 'running'",
                            run)
                        == nodes.size()
                    && cluster.scalar(
                            "SELECT count(*) FROM keel.task WHERE run_id = ? AND state = 'succeeded'",
                            run)
                        >= 1);
  }

  void awaitEnded(long run) {
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
  }

  void assertExactRows(long run) throws Exception {
    assertThat(
            cluster.rows(
                "SELECT partition, state, error FROM keel.task WHERE run_id = ? AND state <> 'succeeded'",
                run))
        .isEmpty();
    ClusterRuns.assertExactRows(cluster, PIPELINE, PARTITIONS, ROWS);
  }

  long trigger() {
    return ClusterRuns.trigger(cluster, PIPELINE, fixture.work().resolve("pipelines"));
  }
}
