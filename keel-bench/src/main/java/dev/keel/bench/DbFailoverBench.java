package dev.keel.bench;

import dev.keel.cli.Main;
import dev.keel.testkit.LocalCluster;
import dev.keel.testkit.Pipelines;
import dev.keel.testkit.ReplicatedDatabase;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * What a failover of the PostgreSQL primary costs: in each round a fresh primary and synchronous
 * standby ({@link ReplicatedDatabase}) hold the metadata and the sink behind one multi-host URL;
 * three real nodes load 24 partitions × 20,000 rows in APPEND mode; once three partitions are
 * published the primary is killed (SIGKILL), and {@code PROMOTE_AFTER} later the standby is
 * promoted. Measured by the new primary's clock, from the promotion: the first task that succeeds
 * after it (tasks running again), the first new attempt, and the run's end. Every run must load
 * every row exactly once. Usage: {@code bench/db-failover [ROUNDS] [PROMOTE_AFTER] [LEASE]}.
 */
public final class DbFailoverBench {
  static final int PARTITIONS = 24;
  static final int ROWS = 20_000;
  static final String NAME = "failover_load";

  private DbFailoverBench() {}

  public static void main(String[] args) throws Exception {
    int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 5;
    Duration promoteAfter = dev.keel.spec.Durations.parse(args.length > 1 ? args[1] : "2s");
    String lease = args.length > 2 ? args[2] : "10s";
    List<Double> resumed = new ArrayList<>();
    List<Double> ended = new ArrayList<>();
    for (int r = 1; r <= rounds; r++) {
      double[] round = round(promoteAfter, lease);
      resumed.add(round[0]);
      ended.add(round[2]);
      System.out.printf(
          "round %d: primary killed, standby promoted %s later; from the promotion: first task done %.2f s,"
              + " first new attempt %.2f s, run ended %.2f s%n",
          r, promoteAfter, round[0], round[1], round[2]);
    }
    Collections.sort(resumed);
    Collections.sort(ended);
    System.out.printf(
        "%d failovers (3 nodes × 2 workers, lease %s, %d partitions × %d rows, append): promotion→tasks"
            + " running again p50 %.2f s, max %.2f s; promotion→run end p50 %.2f s, max %.2f s%n",
        rounds,
        lease,
        PARTITIONS,
        ROWS,
        resumed.get((rounds - 1) / 2),
        resumed.get(rounds - 1),
        ended.get((rounds - 1) / 2),
        ended.get(rounds - 1));
  }

  /** One failover: {first success, first new attempt, run end} in seconds after the promotion. */
  static double[] round(Duration promoteAfter, String lease) throws Exception {
    Path work = Files.createTempDirectory("keel-db-failover");
    try (ReplicatedDatabase pg =
            ReplicatedDatabase.start(
                work.resolve("pg"), ReplicatedDatabase.Replication.SYNCHRONOUS);
        LocalCluster cluster = LocalCluster.on(pg.url(), work.resolve("logs"))) {
      Path dir = work.resolve("pipelines");
      Pipelines.writeCsvPipeline(dir, NAME, Pipelines.partitions(PARTITIONS), ROWS);
      String[] nodeArgs = {
        "--pipelines", dir.toString(), "--lease", lease, "--workers", "2", "--poll", "200ms"
      };
      for (int n = 0; n < 3; n++) {
        cluster.node("node-" + n, nodeArgs);
      }
      // Generous: on a busy 2-core machine three JVMs can take minutes to start.
      cluster.awaitNodesAlive(3, Duration.ofMinutes(5));
      StringWriter out = new StringWriter();
      if (Main.execute(
              new PrintWriter(out, true),
              new PrintWriter(System.err, true),
              "trigger",
              NAME,
              "--db",
              cluster.url(),
              "--pipelines",
              dir.toString())
          != 0) {
        throw new IllegalStateException("trigger failed");
      }
      long run = Long.parseLong(out.toString().strip());
      while (cluster.scalar(
              "SELECT count(*) FROM keel.task WHERE run_id = ? AND state = 'succeeded'", run)
          < 3) {
        Thread.sleep(20);
      }
      pg.killPrimary();
      Thread.sleep(promoteAfter.toMillis()); // the operator's (or Patroni's) reaction time
      pg.promoteStandby();
      String promotedAt = cluster.rows("SELECT now()::text").get(0).get(0);
      long deadline = System.nanoTime() + Duration.ofMinutes(10).toNanos();
      while (cluster.scalar(
              "SELECT count(*) FROM keel.task WHERE run_id = ? AND state IN ('queued', 'running')",
              run)
          != 0) {
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException("run " + run + " did not end within 10 minutes");
        }
        Thread.sleep(50);
      }
      if (cluster.scalar(
                  "SELECT count(*) FROM keel.task WHERE run_id = ? AND state <> 'succeeded'", run)
              != 0
          || cluster.scalar("SELECT count(DISTINCT id) FROM public." + NAME)
              != (long) PARTITIONS * ROWS
          || cluster.scalar("SELECT count(*) FROM public." + NAME) != (long) PARTITIONS * ROWS) {
        throw new IllegalStateException("run " + run + " did not load every row exactly once");
      }
      List<String> t =
          cluster
              .rows(
                  """
          SELECT extract(epoch FROM (SELECT min(finished_at) FROM keel.task WHERE run_id = ? AND finished_at > ?::timestamptz) - ?::timestamptz),
                 extract(epoch FROM (SELECT min(a.started_at) FROM keel.task_attempt a JOIN keel.task k ON k.id = a.task_id
                                     WHERE k.run_id = ? AND a.started_at > ?::timestamptz) - ?::timestamptz),
                 extract(epoch FROM (SELECT max(finished_at) FROM keel.task WHERE run_id = ?) - ?::timestamptz)""",
                  run,
                  promotedAt,
                  promotedAt,
                  run,
                  promotedAt,
                  promotedAt,
                  run,
                  promotedAt)
              .get(0);
      return new double[] {
        Double.parseDouble(t.get(0)),
        t.get(1) == null ? Double.NaN : Double.parseDouble(t.get(1)),
        Double.parseDouble(t.get(2))
      };
    } finally {
      try (var all = Files.walk(work)) {
        all.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }
}
