package dev.keel.bench;

import dev.keel.testkit.LocalCluster;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * The database load of an idle cluster: three real nodes with nothing to do (heartbeat, session,
 * reaper, pipeline scan and scheduler loops only), and the commits and WAL bytes per second the
 * database makes for them over a window (the benchmark's own two samples included). Usage: {@code
 * bench script: dev.keel.bench.IdleLoadBench REAP_EVERY SECONDS}.
 */
public final class IdleLoadBench {
  private IdleLoadBench() {}

  public static void main(String[] args) throws Exception {
    String reapEvery = args.length > 0 ? args[0] : "500ms";
    int seconds = args.length > 1 ? Integer.parseInt(args[1]) : 30;
    Path work = Files.createTempDirectory("keel-idle");
    try (LocalCluster cluster = LocalCluster.start(work.resolve("logs"), true)) {
      Path dir = work.resolve("pipelines");
      Files.createDirectories(dir);
      for (int i = 0; i < 3; i++) {
        cluster.node("node-" + i, "--pipelines", dir.toString(), "--reap-every", reapEvery);
      }
      cluster.awaitNodesAlive(3, Duration.ofMinutes(2));
      Thread.sleep(5_000); // past the start-up statements
      String sample =
          "SELECT xact_commit::text, pg_current_wal_lsn()::text, extract(epoch FROM clock_timestamp())::text"
              + " FROM pg_stat_database WHERE datname = current_database()";
      var before = cluster.rows(sample).get(0);
      Thread.sleep(seconds * 1000L);
      var after = cluster.rows(sample).get(0);
      double elapsed = Double.parseDouble(after.get(2)) - Double.parseDouble(before.get(2));
      long commits = Long.parseLong(after.get(0)) - Long.parseLong(before.get(0));
      long wal =
          cluster.scalar(
              "SELECT pg_wal_lsn_diff(?::pg_lsn, ?::pg_lsn)::bigint", after.get(1), before.get(1));
      System.out.printf(
          "idle 3-node cluster, reap every %s, %.0f s: %.1f commits/s, %.0f WAL bytes/s%n",
          reapEvery, elapsed, commits / elapsed, wal / elapsed);
    }
  }
}
