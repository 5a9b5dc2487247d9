package dev.keel.bench;

import dev.keel.engine.node.NoopNode;
import dev.keel.store.Database;
import dev.keel.store.MetadataStore;
import dev.keel.testkit.LocalCluster;
import java.nio.file.Files;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Coordination throughput on one durable PostgreSQL, in one run: no-op tasks claimed and completed
 * per second by keel's own claim loop and fenced completion (1 node, then 3 nodes, each with {@code
 * slots} workers), against a raw {@code FOR UPDATE SKIP LOCKED} claim-and-complete loop with as
 * many threads. Usage: {@code bench script: dev.keel.bench.CoordinationBench TASKS SLOTS}.
 */
public final class CoordinationBench {
  private CoordinationBench() {}

  public static void main(String[] args) throws Exception {
    int tasks = args.length > 0 ? Integer.parseInt(args[0]) : 5000;
    int slots = args.length > 1 ? Integer.parseInt(args[1]) : 4;
    try (LocalCluster cluster = LocalCluster.start(Files.createTempDirectory("keel-coord"), true)) {
      String url = cluster.url();
      MetadataStore store =
          MetadataStore.open(new Database(url, null, null, 3 * (slots * 2 + 4), "bench"));
      MetadataStore coordination =
          MetadataStore.attach(new Database(url, null, null, 3, "bench-coordination"));
      long version = store.versions().save("noop", "noop", "name: noop", null);
      cluster.execute(
          """
          CREATE TABLE raw_job (id bigserial PRIMARY KEY, state text NOT NULL DEFAULT 'queued', owner text, due_at timestamptz NOT NULL DEFAULT now());
          CREATE INDEX raw_job_queued ON raw_job (due_at, id) WHERE state = 'queued'""");
      List<String> result = new ArrayList<>();
      for (int nodes : new int[] {1, 3}) {
        double raw = raw(cluster, tasks, nodes * slots);
        List<String> before = counters(cluster);
        double keel = keel(store, coordination, version, tasks, nodes, slots);
        System.out.println(
            nodes + " node(s), keel per task: " + perTask(before, counters(cluster), tasks));
        result.add(
            String.format(
                "%d node(s) x %d workers: keel %.0f tasks/s, raw SKIP LOCKED loop (%d threads) %.0f tasks/s: keel at %.0f %%",
                nodes, slots, keel, nodes * slots, raw, 100 * keel / raw));
      }
      result.forEach(System.out::println);
      store.close();
      coordination.close();
    }
  }

  static double keel(
      MetadataStore store,
      MetadataStore coordination,
      long version,
      int tasks,
      int nodes,
      int slots)
      throws InterruptedException {
    List<String> partitions = new ArrayList<>();
    for (int i = 0; i < tasks; i++) {
      partitions.add("p" + i);
    }
    long run =
        store
            .runs()
            .create("noop", version, "bench-" + nodes, Instant.now(), partitions, 3)
            .orElseThrow();
    List<NoopNode> running = new ArrayList<>();
    long start = System.nanoTime();
    for (int n = 0; n < nodes; n++) {
      NoopNode node = new NoopNode(store, coordination, "bench-" + nodes + "-" + n, slots);
      running.add(node);
      node.start();
    }
    // Done when the run is: a primary-key read, not a count over the run's tasks (on 2 cores, a
    // count every 10 ms took CPU from the nodes it measured).
    while (!store.runs().state(run).equals("succeeded")) {
      Thread.sleep(10);
    }
    double seconds = (System.nanoTime() - start) / 1e9;
    running.forEach(NoopNode::close);
    return tasks / seconds;
  }

  /**
   * WAL bytes, rows read by sequential scans of task and task_attempt (a plan that scans a table
   * per task shows here), and committed transactions (how well claims and completions batch).
   * Statistics are flushed by backends within a second: read after a pause.
   */
  static List<String> counters(LocalCluster cluster) throws Exception {
    Thread.sleep(1500);
    return cluster
        .rows(
            """
        SELECT pg_current_wal_lsn() - '0/0'::pg_lsn,
               (SELECT coalesce(sum(seq_tup_read), 0) FROM pg_stat_user_tables WHERE relid = 'keel.task'::regclass),
               (SELECT coalesce(sum(seq_tup_read), 0) FROM pg_stat_user_tables WHERE relid = 'keel.task_attempt'::regclass),
               (SELECT xact_commit FROM pg_stat_database WHERE datname = current_database())""")
        .get(0);
  }

  static String perTask(List<String> before, List<String> after, int tasks) {
    double[] d = new double[4];
    for (int i = 0; i < 4; i++) {
      d[i] = (Double.parseDouble(after.get(i)) - Double.parseDouble(before.get(i))) / tasks;
    }
    return String.format(
        "%.0f WAL bytes, %.2f commits (all transactions of the database, the benchmark's own reads included), "
            + "%.0f task rows and %.0f task_attempt rows read by sequential scans",
        d[0], d[3], d[1], d[2]);
  }

  static double raw(LocalCluster cluster, int tasks, int threads) throws Exception {
    try (Connection c = cluster.connect();
        Statement st = c.createStatement()) {
      st.execute("TRUNCATE raw_job");
      st.execute(
          "INSERT INTO raw_job (state) SELECT 'queued' FROM generate_series(1, " + tasks + ")");
    }
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    long start = System.nanoTime();
    List<Future<Integer>> done = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      String owner = "raw-" + t;
      done.add(
          pool.submit(
              () -> {
                int n = 0;
                try (Connection c = cluster.connect();
                    PreparedStatement claim =
                        c.prepareStatement(
                            """
                UPDATE raw_job SET state = 'running', owner = ? WHERE id = (
                  SELECT id FROM raw_job WHERE state = 'queued' AND due_at <= now() ORDER BY due_at, id FOR UPDATE SKIP LOCKED LIMIT 1)
                RETURNING id""");
                    PreparedStatement complete =
                        c.prepareStatement(
                            "UPDATE raw_job SET state = 'done', owner = NULL WHERE id = ?")) {
                  claim.setString(1, owner);
                  while (true) {
                    long id;
                    try (ResultSet rs = claim.executeQuery()) {
                      if (!rs.next()) {
                        return n;
                      }
                      id = rs.getLong(1);
                    }
                    complete.setLong(1, id);
                    complete.executeUpdate();
                    n++;
                  }
                }
              }));
    }
    for (Future<Integer> f : done) {
      f.get();
    }
    pool.shutdown();
    return tasks / ((System.nanoTime() - start) / 1e9);
  }
}
