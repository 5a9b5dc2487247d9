package dev.keel.cli.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.keel.chaos.CutProxy;
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
 * session, its lease and its task; so does a node cut off from its database by a partition (traffic
 * held, sockets open) for less than its lease, or whose connections were reset while it lived.
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

  @Test
  void a_node_cut_off_by_a_partition_for_less_than_its_lease_keeps_its_task() throws Exception {
    cluster = fixture.start();
    try (CutProxy proxy = CutProxy.forJdbcUrl(cluster.url())) {
      List<NodeProcess> nodes = startBehindProxy(proxy, "10s", 10);
      NodeProcess cutOff = nodes.get(0);
      long run = trigger();
      awaitBothRunning(run);

      // packets lost, sockets open: the server keeps the node's session and its lock, so only the
      // lease could move its task, and 3 s (by the other node's coordination) is far from it
      proxy.freeze();
      try {
        await()
            .ignoreExceptions()
            .atMost(Duration.ofSeconds(30))
            .until(
                () ->
                    cluster.scalar(
                            "SELECT count(*) FROM keel.coordination_clock, keel.node n"
                                + " WHERE n.id = ? AND seen_at > n.heartbeat_at + interval '3 seconds'",
                            cutOff.id())
                        == 1);
      } finally {
        proxy.unfreeze();
      }

      awaitAllSucceeded(run);
      assertKeptByTheirNodes(run, cutOff);
    }
  }

  @Test
  void a_live_node_whose_connections_are_reset_keeps_its_task() throws Exception {
    cluster = fixture.start();
    try (CutProxy proxy = CutProxy.forJdbcUrl(cluster.url())) {
      // the other node believes a lost session after 5 s here, so a loaded machine cannot make
      // the live node's re-take (milliseconds) look late; without the grace it reaps at once
      List<NodeProcess> nodes = startBehindProxy(proxy, "60s", 8, "--session-grace", "5s");
      NodeProcess reset = nodes.get(0);
      long run = trigger();
      awaitBothRunning(run);
      String key =
          cluster
              .rows("SELECT session_key::text FROM keel.node WHERE id = ?", reset.id())
              .get(0)
              .get(0);

      // every connection of the node closed under it (a proxy or firewall restarting), its
      // session with them: its lock is gone as if it had died, but it takes it again at once
      proxy.cut();
      proxy.restore();
      await()
          .ignoreExceptions()
          .atMost(Duration.ofSeconds(30))
          .until(
              () ->
                  !cluster
                      .rows("SELECT session_key::text FROM keel.node WHERE id = ?", reset.id())
                      .get(0)
                      .get(0)
                      .equals(key));

      awaitAllSucceeded(run);
      assertKeptByTheirNodes(run, reset);
      assertThat(reset.logText()).contains("its database session broke");
    }
  }

  /**
   * Node-a reaches the database through the proxy, node-b directly; two partitions of one worker
   * each, so each node runs one.
   */
  List<NodeProcess> startBehindProxy(
      CutProxy proxy, String lease, int sourceSeconds, String... more) throws Exception {
    writePipeline(2, sourceSeconds);
    List<String> args =
        new java.util.ArrayList<>(
            List.of(
                "--pipelines",
                fixture.work().resolve("pipelines").toString(),
                "--workers",
                "1",
                "--lease",
                lease,
                "--heartbeat",
                "1s",
                "--poll",
                "200ms"));
    args.addAll(List.of(more));
    String[] a = args.toArray(String[]::new);
    List<NodeProcess> nodes =
        List.of(
            cluster.nodeVia("node-a", proxy.jdbcUrl(cluster.url()), a), cluster.node("node-b", a));
    awaitSessions(2);
    return nodes;
  }

  void awaitBothRunning(long run) {
    await()
        .ignoreExceptions()
        .atMost(Duration.ofSeconds(60))
        .pollInterval(Duration.ofMillis(50))
        .until(
            () ->
                cluster.scalar(
                        "SELECT count(DISTINCT t.owner) FROM keel.task t JOIN keel_sink.fence f"
                            + " ON f.token = t.fence WHERE t.run_id = ? AND t.state = 'running'",
                        run)
                    == 2);
  }

  void awaitAllSucceeded(long run) {
    await()
        .ignoreExceptions()
        .atMost(Duration.ofSeconds(90))
        .pollInterval(Duration.ofMillis(200))
        .until(
            () ->
                cluster.scalar(
                        "SELECT count(*) FROM keel.task WHERE run_id = ? AND state <> 'succeeded'",
                        run)
                    == 0);
  }

  /**
   * Nothing was taken from the cut-off node: every attempt ended by its own node's word (succeeded;
   * retry when its sink connection broke under it and the node gave the task back for another try;
   * waiting when the node found its sink away and put the task back to wait for it, no attempt
   * spent), none as `node died` or `lease expired`; rows exact.
   */
  void assertKeptByTheirNodes(long run, NodeProcess cutOff) throws Exception {
    List<List<String>> attempts =
        cluster.rows(
            "SELECT a.node, a.outcome FROM keel.task_attempt a JOIN keel.task t ON t.id = a.task_id"
                + " WHERE t.run_id = ? ORDER BY a.fence",
            run);
    assertThat(attempts).extracting(a -> a.get(0)).contains(cutOff.id());
    assertThat(attempts)
        .extracting(a -> a.get(1))
        .contains("succeeded")
        .allSatisfy(o -> assertThat(o).isIn("succeeded", "retry", "waiting"));
    assertThat(cluster.scalar("SELECT count(*) FROM public." + PIPELINE)).isEqualTo(2L * ROWS);
  }

  List<NodeProcess> startTwoNodes(String lease, int sourceSeconds) throws Exception {
    cluster = fixture.start();
    writePipeline(1, sourceSeconds);
    Path dir = fixture.work().resolve("pipelines");
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
    awaitSessions(2);
    return nodes;
  }

  /** One pipeline of {@code partitions} partitions whose source takes a few seconds each. */
  void writePipeline(int partitions, int sourceSeconds) throws Exception {
    Path dir = fixture.work().resolve("pipelines");
    Files.createDirectories(dir);
    // a source that takes a few seconds: long enough to kill, pause or cut off its node
    Files.writeString(
        dir.resolve(PIPELINE + ".yaml"),
        """
        name: %s
        partitions:
          values: %s
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
            .formatted(
                PIPELINE,
                partitions == 1 ? "[p01]" : "[p01, p02]",
                cluster.url(),
                ROWS,
                sourceSeconds,
                PIPELINE));
  }

  void awaitSessions(int n) {
    await()
        .ignoreExceptions()
        .atMost(Duration.ofSeconds(60))
        .until(
            () ->
                cluster.scalar(
                        "SELECT count(*) FROM keel.node WHERE state = 'alive' AND session_key IS NOT NULL")
                    == n);
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
