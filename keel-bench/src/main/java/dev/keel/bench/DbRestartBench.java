package dev.keel.bench;

import dev.keel.cli.Main;
import dev.keel.testkit.LocalCluster;
import dev.keel.testkit.Pipelines;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * What a database outage costs: three real nodes load 16 partitions × 60,000 rows in APPEND mode
 * into the PostgreSQL that also holds their metadata; mid-run the database is stopped (every
 * connection breaks) and started again {@code DOWN} later on the same data. Measures, by the wall
 * clock of this process, the same run without a crash and each crashed run: its total time, the
 * time from the database's return to the run's end, and the extra time (total - clean run - down).
 * Also counts leases taken from live nodes and attempts spent. Usage: {@code bench/db-restart
 * [ROUNDS] [DOWN] [LEASE]}.
 */
public final class DbRestartBench {
  static final int PARTITIONS = 16;
  static final int ROWS = 60_000;

  private DbRestartBench() {}

  public static void main(String[] args) throws Exception {
    int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 5;
    Duration down = dev.keel.spec.Durations.parse(args.length > 1 ? args[1] : "5s");
    String lease = args.length > 2 ? args[2] : "10s";
    Path work = Files.createTempDirectory("keel-db-restart");
    try (LocalCluster cluster =
        LocalCluster.startRestartable(work.resolve("logs"), work.resolve("pgdata"))) {
      Path dir = work.resolve("pipelines");
      for (int r = 0; r <= rounds; r++) {
        Pipelines.writeCsvPipeline(dir, "load_" + r, Pipelines.partitions(PARTITIONS), ROWS);
      }
      String[] nodeArgs = {"--pipelines", dir.toString(), "--lease", lease, "--workers", "2"};
      for (int n = 0; n < 3; n++) {
        cluster.node("node-" + n, nodeArgs);
      }
      cluster.awaitNodesAlive(3, Duration.ofMinutes(2));

      long clean = runOnce(cluster, dir, "load_0", null);
      System.out.printf(
          "clean run: %.2f s (%d partitions × %d rows, 3 nodes × 2 workers, lease %s)%n",
          clean / 1e9, PARTITIONS, ROWS, lease);
      List<Double> backToEnd = new ArrayList<>();
      List<Double> extra = new ArrayList<>();
      for (int r = 1; r <= rounds; r++) {
        long[] back = new long[1];
        long total =
            runOnce(
                cluster,
                dir,
                "load_" + r,
                () -> {
                  cluster.restartDatabase(down);
                  back[0] = System.nanoTime();
                });
        double b = (System.nanoTime() - back[0]) / 1e9;
        double x = (total - clean - down.toNanos()) / 1e9;
        backToEnd.add(b);
        extra.add(x);
        System.out.printf(
            "round %d: database down %s mid-run; run %.2f s, from its return to the run's end %.2f s, extra"
                + " %.2f s%n",
            r, down, total / 1e9, b, x);
      }
      long reaped =
          cluster.scalar("SELECT count(*) FROM keel.task_attempt WHERE outcome = 'lease expired'");
      long spent = cluster.scalar("SELECT count(*) FROM keel.task WHERE attempt > 1");
      Collections.sort(backToEnd);
      Collections.sort(extra);
      System.out.printf(
          "%d crashes of %s: return→end p50 %.2f s, max %.2f s; extra over the clean run p50 %.2f s, max %.2f s;"
              + " leases reaped %d, tasks that spent a second attempt %d%n",
          rounds,
          down,
          backToEnd.get((rounds - 1) / 2),
          backToEnd.get(rounds - 1),
          extra.get((rounds - 1) / 2),
          extra.get(rounds - 1),
          reaped,
          spent);
    }
  }

  interface Fault {
    void inject() throws Exception;
  }

  /**
   * Triggers one run of {@code name}, injects {@code fault} once a few partitions are published,
   * and waits for the end.
   */
  static long runOnce(LocalCluster cluster, Path dir, String name, Fault fault) throws Exception {
    StringWriter out = new StringWriter();
    long start = System.nanoTime();
    if (Main.execute(
            new PrintWriter(out, true),
            new PrintWriter(System.err, true),
            "trigger",
            name,
            "--db",
            cluster.url(),
            "--pipelines",
            dir.toString())
        != 0) {
      throw new IllegalStateException("trigger failed");
    }
    long run = Long.parseLong(out.toString().strip());
    if (fault != null) {
      while (cluster.scalar(
              "SELECT count(*) FROM keel.task WHERE run_id = ? AND state = 'succeeded'", run)
          < 3) {
        Thread.sleep(20);
      }
      fault.inject();
    }
    long deadline = System.nanoTime() + Duration.ofMinutes(10).toNanos();
    while (true) {
      try {
        if (cluster.scalar(
                "SELECT count(*) FROM keel.task WHERE run_id = ? AND state IN ('queued', 'running')",
                run)
            == 0) {
          break;
        }
      } catch (java.sql.SQLException e) {
        // the database is still starting
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("run " + run + " did not end within 10 minutes");
      }
      Thread.sleep(50);
    }
    long elapsed = System.nanoTime() - start;
    if (cluster.scalar(
                "SELECT count(*) FROM keel.task WHERE run_id = ? AND state <> 'succeeded'", run)
            != 0
        || cluster.scalar("SELECT count(*) FROM public." + name) != (long) PARTITIONS * ROWS) {
      throw new IllegalStateException(
          "run " + run + " of " + name + " did not load every row exactly once");
    }
    return elapsed;
  }
}
