package dev.keel.bench;

import dev.keel.chaos.NodeProcess;
import dev.keel.cli.Main;
import dev.keel.testkit.LocalCluster;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Failover time: with three real nodes on a durable PostgreSQL, kill -9 the node running a long
 * task, and measure, by the database clock, the time from the kill to the task's next claim by
 * another node; repeat, starting a replacement node after each kill. Prints each figure, p50 and
 * max. Usage: {@code bench script: dev.keel.bench.FailoverBench LEASE HEARTBEAT KILLS
 * [REAP_EVERY]}.
 */
public final class FailoverBench {
  private FailoverBench() {}

  public static void main(String[] args) throws Exception {
    String lease = args.length > 0 ? args[0] : "10s";
    String heartbeat = args.length > 1 ? args[1] : "2s";
    int kills = args.length > 2 ? Integer.parseInt(args[2]) : 5;
    String reapEvery = args.length > 3 ? args[3] : "500ms";
    Path work = Files.createTempDirectory("keel-failover");
    try (LocalCluster cluster = LocalCluster.start(work.resolve("logs"), true)) {
      Path dir = work.resolve("pipelines");
      Files.createDirectories(dir);
      // One task that never ends by itself: its source sleeps in the database for an hour.
      Files.writeString(
          dir.resolve("endless.yaml"),
          """
          name: endless
          source:
            jdbc: { url: "%s", query: "SELECT 1::bigint AS id FROM pg_sleep(3600)" }
          columns:
            id: bigint
          sink:
            postgres: { table: endless, mode: append }
          retry: { attempts: 100, backoff: 100ms, max_backoff: 200ms }
          """
              .formatted(cluster.url()));
      String[] nodeArgs = {
        "--pipelines",
        dir.toString(),
        "--lease",
        lease,
        "--heartbeat",
        heartbeat,
        "--reap-every",
        reapEvery
      };
      int next = 0;
      for (; next < 3; next++) {
        cluster.node("node-" + next, nodeArgs);
      }
      cluster.awaitNodesAlive(3, Duration.ofMinutes(2));
      StringWriter out = new StringWriter();
      if (Main.execute(
              new PrintWriter(out, true),
              new PrintWriter(System.err, true),
              "trigger",
              "endless",
              "--db",
              cluster.url(),
              "--pipelines",
              dir.toString())
          != 0) {
        throw new IllegalStateException("trigger failed");
      }
      List<Double> seconds = new ArrayList<>();
      for (int k = 0; k < kills; k++) {
        awaitRunning(cluster);
        List<String> held =
            cluster.rows("SELECT owner, fence::text FROM keel.task WHERE state = 'running'").get(0);
        NodeProcess victim =
            cluster.nodes().stream()
                .filter(n -> n.id().equals(held.get(0)))
                .findFirst()
                .orElseThrow();
        long fence = Long.parseLong(held.get(1));
        String killedAt = cluster.rows("SELECT now()::text").get(0).get(0);
        victim.kill9();
        long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
        while (cluster.scalar(
                "SELECT count(*) FROM keel.task WHERE state = 'running' AND fence > ?", fence)
            == 0) {
          if (System.nanoTime() > deadline) {
            throw new IllegalStateException(
                "no re-claim within 2 minutes of killing " + victim.id());
          }
          Thread.sleep(20);
        }
        double s =
            cluster
                .rows(
                    """
            SELECT extract(epoch FROM a.started_at - ?::timestamptz)::float8, a.node FROM keel.task_attempt a
            WHERE a.fence = (SELECT fence FROM keel.task WHERE state = 'running')""",
                    killedAt)
                .stream()
                .mapToDouble(r -> Double.parseDouble(r.get(0)))
                .findFirst()
                .orElseThrow();
        seconds.add(s);
        System.out.printf(
            "kill %d: %s killed, task re-claimed by another node after %.2f s%n",
            k + 1, victim.id(), s);
        cluster.node("node-" + next++, nodeArgs);
        awaitThreeWithSessions(cluster);
      }
      long falseFailovers =
          cluster.scalar(
              """
          SELECT count(*) FROM keel.task_attempt a JOIN keel.node n ON n.id = a.node
          WHERE a.outcome = 'lease expired' AND n.heartbeat_at > now() - interval '5 seconds'""");
      List<Double> sorted = new ArrayList<>(seconds);
      Collections.sort(sorted);
      System.out.printf(
          "lease %s, heartbeat %s, reap every %s, %d kills: p50 %.2f s, max %.2f s; leases reaped from live nodes: %d%n",
          lease,
          heartbeat,
          reapEvery,
          kills,
          sorted.get((sorted.size() - 1) / 2),
          sorted.get(sorted.size() - 1),
          falseFailovers);
    }
  }

  /**
   * Three nodes holding their session locks: the killed node's heartbeat still counts as alive for
   * a few seconds, and killing again before its replacement runs its reaper measured the
   * replacement's start-up, not a takeover.
   */
  private static void awaitThreeWithSessions(LocalCluster cluster) throws Exception {
    long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
    while (cluster.scalar(
            """
            SELECT count(*) FROM keel.node n WHERE n.state = 'alive' AND EXISTS (
              SELECT 1 FROM pg_locks l WHERE l.locktype = 'advisory' AND l.objid = n.session_key::oid)""")
        < 3) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("three nodes did not hold their sessions within 2 minutes");
      }
      Thread.sleep(100);
    }
  }

  private static void awaitRunning(LocalCluster cluster) throws Exception {
    while (cluster.scalar("SELECT count(*) FROM keel.task WHERE state = 'running'") == 0) {
      Thread.sleep(50);
    }
  }
}
