package dev.keel.bench;

import dev.keel.store.EmbeddedPostgresServer;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.Reader;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.postgresql.PGConnection;

/**
 * bench/load: on ONE embedded PostgreSQL (durable settings, as keel uses: fsync=on,
 * synchronous_commit=on), loads the same CSV
 *
 * <ol>
 *   <li>with keel ({@code keel run FILE --db URL}, in this process, upsert on id),
 *   <li>by the baseline: COPY (CSV, streamed with CopyManager) into a TEMP staging table (ON COMMIT
 *       DROP, inside the publish transaction, as keel stages) + one INSERT ... ON CONFLICT (id) DO
 *       UPDATE SET ... (every non-key column),
 *   <li>by a warmed-up JDBC batch insert ({@code reWriteBatchedInserts=true}, plain INSERT, one
 *       transaction) into an empty table,
 * </ol>
 *
 * each into (a) an empty target, (b) a full target with the same rows, (c) a full target where
 * every row's amount changed. Keel and the baseline alternate, case by case, into two tables of the
 * same shape; after every step (outside the timing) the table is VACUUM ANALYZEd and a CHECKPOINT
 * is taken, so every step starts from the same state and autovacuum stays out of the way; after
 * every case the two tables are compared row by row.
 *
 * <p>Each case runs {@code --repeat} rounds (default 3), the loads of a round in a rotated order,
 * and the tables give each load's median time: one round on a 2-core VM varies by ±15 % (case (c)
 * most: one round may find the 132 MB table in the 128 MB shared_buffers, the next not). Case (c)
 * changes every row in every round: to the changed file, back to the first, and so on, each round
 * from tables rewritten packed.
 *
 * <p>Arguments: {@code --same FILE.csv --changed FILE.csv --slice FILE.csv --work DIR [--rows N]
 * [--repeat N]} (the CSVs come from bench/gen-orders.py; --rows is only printed and checked).
 */
public final class LoadBenchmark {
  private static final String COLUMNS =
      "id bigint, customer text, amount numeric(12,2), ts timestamptz, region text";
  private static final String KEEL_TABLE = "bench_keel";

  /**
   * The same loads by keel with sink.postgres.keep_versions: 2 (every publish records its undo).
   */
  private static final String VERSIONED_TABLE = "bench_keel_versions";

  private static final String BASE_TABLE = "bench_base";
  private static final String BATCH_TABLE = "bench_batch";

  private final Path work;
  private final String url;
  private final int repeat;

  /** Each step's times, in seconds, round by round. */
  private final Map<String, List<Double>> times = new LinkedHashMap<>();

  private final List<String> notes = new ArrayList<>();

  private LoadBenchmark(Path work, String url, int repeat) {
    this.work = work;
    this.url = url;
    this.repeat = repeat;
  }

  public static void main(String[] args) throws Exception {
    Map<String, String> a = new LinkedHashMap<>();
    for (int i = 0; i + 1 < args.length; i += 2) {
      a.put(args[i], args[i + 1]);
    }
    Path same = Path.of(need(a, "--same"));
    Path changed = Path.of(need(a, "--changed"));
    Path slice = Path.of(need(a, "--slice"));
    Path work = Path.of(need(a, "--work"));
    long rows = Long.parseLong(a.getOrDefault("--rows", "1000000"));
    int repeat = Integer.parseInt(a.getOrDefault("--repeat", "3"));
    Files.createDirectories(work);
    long t0 = System.nanoTime();
    try (EmbeddedPostgresServer pg =
        EmbeddedPostgresServer.start(work.resolve("pg"), Duration.ofSeconds(30))) {
      LoadBenchmark b = new LoadBenchmark(work, pg.jdbcUrl(), repeat);
      System.out.printf(
          "embedded PostgreSQL started (%.1f s): %s%n",
          (System.nanoTime() - t0) / 1e9, b.settings());
      b.run(same, changed, slice, rows);
    }
  }

  private static String need(Map<String, String> a, String key) {
    String v = a.get(key);
    if (v == null) {
      throw new IllegalArgumentException("missing " + key);
    }
    return v;
  }

  private String settings() throws SQLException {
    try (Connection c = connect();
        Statement st = c.createStatement();
        ResultSet rs =
            st.executeQuery(
                "SELECT version(), current_setting('fsync'), current_setting('synchronous_commit'),"
                    + " current_setting('shared_buffers'), current_setting('max_wal_size'), current_setting('temp_buffers')")) {
      rs.next();
      return rs.getString(1).replaceAll(" on .*", "")
          + "; fsync="
          + rs.getString(2)
          + ", synchronous_commit="
          + rs.getString(3)
          + ", shared_buffers="
          + rs.getString(4)
          + ", max_wal_size="
          + rs.getString(5)
          + ", temp_buffers="
          + rs.getString(6);
    }
  }

  private void run(Path same, Path changed, Path slice, long rows) throws Exception {
    Path keelSame = pipeline("bench_same", KEEL_TABLE, same);
    Path keelChanged = pipeline("bench_changed", KEEL_TABLE, changed);
    Path keelWarm = pipeline("bench_warm", "bench_warm", slice);
    Path versionedSame = pipeline("bench_v_same", VERSIONED_TABLE, same, 2);
    Path versionedChanged = pipeline("bench_v_changed", VERSIONED_TABLE, changed, 2);
    Path versionedWarm = pipeline("bench_v_warm", "bench_v_warm", slice, 2);
    System.out.printf(
        "rows per load: %,d; %d cores; JVM %s, heap max %d MB%n",
        rows,
        Runtime.getRuntime().availableProcessors(),
        System.getProperty("java.version"),
        Runtime.getRuntime().maxMemory() >> 20);
    System.out.println(
        "staging, keel and baseline alike: a TEMP table (ON COMMIT DROP) inside the publish transaction");
    System.out.println();

    // Warm-up, not measured: keel's first run migrates its metadata schema; every path gets its JIT
    // warm.
    keel(keelWarm, "warm-up");
    drop("bench_warm");
    keel(versionedWarm, "warm-up, keep_versions");
    drop("bench_v_warm");
    recreate(BASE_TABLE);
    baseline(slice);
    recreate(BATCH_TABLE);
    batchInsert(slice);

    drop(KEEL_TABLE);
    drop(VERSIONED_TABLE);
    recreate(BASE_TABLE);
    recreate(BATCH_TABLE);
    checkpoint();

    Path[] keelChanges = {keelChanged, keelSame};
    Path[] versionedChanges = {versionedChanged, versionedSame};
    Path[] changes = {changed, same};
    for (int round = 0; round < repeat; round++) {
      if (round > 0) {
        drop(KEEL_TABLE);
        drop(VERSIONED_TABLE);
        recreate(BASE_TABLE);
        checkpoint();
      }
      caseRound(
          round,
          "(a) empty target",
          rows,
          () -> baseline(same),
          () -> keel(keelSame, "(a)"),
          () -> keel(versionedSame, "(a) keep_versions"));
    }
    for (int round = 0; round < repeat; round++) {
      caseRound(
          round,
          "(b) full, same rows",
          rows,
          () -> baseline(same),
          () -> keel(keelSame, "(b)"),
          () -> keel(versionedSame, "(b) keep_versions"));
    }
    for (int round = 0; round < repeat; round++) {
      if (!"false".equals(System.getenv("BENCH_SAME_LAYOUT"))) {
        // The baseline's (b) rewrote every row and keel's wrote none, so the baseline's table and
        // index now hold half free space (vacuumed dead versions) where keel's are packed: (c)'s
        // updates would extend keel's table and split its index pages but fill the baseline's
        // free space. Rewritten packed, all start (c) alike (and again before every round).
        packed(BASE_TABLE, KEEL_TABLE, VERSIONED_TABLE);
      }
      // Every round changes every row: to the changed file, then back to the first, and so on.
      Path file = changes[round % 2];
      Path keelFile = keelChanges[round % 2];
      Path versionedFile = versionedChanges[round % 2];
      caseRound(
          round,
          "(c) full, every row changed",
          rows,
          () -> baseline(file),
          () -> keel(keelFile, "(c)"),
          () -> keel(versionedFile, "(c) keep_versions"));
    }
    for (int round = 0; round < repeat; round++) {
      recreate(BATCH_TABLE);
      checkpoint();
      measure("batch insert  empty target", rows, () -> batchInsert(same), BATCH_TABLE);
    }

    System.out.println();
    System.out.printf(
        "medians of %d round%s (each round runs the three loads of a case in a rotated order; min-max"
            + " of the per-round ratios in brackets)%n",
        repeat, repeat == 1 ? "" : "s");
    System.out.println("| case | baseline rows/s | keel rows/s | keel / baseline |");
    System.out.println("|---|---:|---:|---:|");
    String[][] cases = {
      {"(a) empty target", "(a) empty target"},
      {"(b) full target, same rows", "(b) full, same rows"},
      {"(c) full target, every row changed", "(c) full, every row changed"}
    };
    for (String[] c : cases) {
      String base = "baseline  " + c[1];
      String keel = "keel      " + c[1];
      System.out.printf(
          Locale.ROOT,
          "| %s | %,.0f | %,.0f | %.0f %% %s |%n",
          c[0],
          rows / median(base),
          rows / median(keel),
          100 * median(base) / median(keel),
          spread(base, keel, true));
    }
    String batch = "batch insert  empty target";
    System.out.printf(
        Locale.ROOT,
        "| JDBC batch insert (reWriteBatchedInserts), empty target | | %,.0f | keel (a) / batch = %.2fx |%n",
        rows / median(batch),
        median(batch) / median("keel      (a) empty target"));
    System.out.println();
    System.out.println("| case | keel rows/s | keel, keep_versions: 2 rows/s | versions cost |");
    System.out.println("|---|---:|---:|---:|");
    for (String[] c : cases) {
      String keel = "keel      " + c[1];
      String versioned = "keel+versions " + c[1];
      System.out.printf(
          Locale.ROOT,
          "| %s | %,.0f | %,.0f | %+.0f %% time %s |%n",
          c[0],
          rows / median(keel),
          rows / median(versioned),
          100 * (median(versioned) / median(keel) - 1),
          spread(keel, versioned, false));
    }
    notes.forEach(System.out::println);
  }

  /**
   * Runs a case's three loads, starting with the {@code round}-th (mod 3) and going on in order, so
   * that over three rounds each load runs once first, once second and once last (a load that runs
   * right after another may find the machine warmer or busier).
   */
  private static void rotated(int round, Step... steps) throws Exception {
    for (int i = 0; i < steps.length; i++) {
      steps[(round + i) % steps.length].run();
    }
  }

  /**
   * One round of a case: the baseline, keel and keel with keep_versions, each into its table, in
   * the round's rotated order; then the three tables are compared.
   */
  private void caseRound(
      int round, String name, long rows, Step baseline, Step keel, Step versioned)
      throws Exception {
    rotated(
        round,
        () -> measure("baseline  " + name, rows, baseline, BASE_TABLE),
        () -> measure("keel      " + name, rows, keel, KEEL_TABLE),
        () -> measure("keel+versions " + name, rows, versioned, VERSIONED_TABLE));
    compare(rows);
  }

  private double median(String name) {
    List<Double> t = new ArrayList<>(times.get(name));
    java.util.Collections.sort(t);
    int n = t.size();
    return n % 2 == 1 ? t.get(n / 2) : (t.get(n / 2 - 1) + t.get(n / 2)) / 2;
  }

  /**
   * The smallest and largest per-round ratio of {@code other} against {@code reference}: as a share
   * of throughput ({@code share}: reference time / other time) or as extra time.
   */
  private String spread(String reference, String other, boolean share) {
    List<Double> r = times.get(reference);
    List<Double> o = times.get(other);
    if (r.size() < 2) {
      return "";
    }
    double min = Double.MAX_VALUE;
    double max = -Double.MAX_VALUE;
    for (int i = 0; i < Math.min(r.size(), o.size()); i++) {
      double v = share ? 100 * r.get(i) / o.get(i) : 100 * (o.get(i) / r.get(i) - 1);
      min = Math.min(min, v);
      max = Math.max(max, v);
    }
    return share
        ? String.format(Locale.ROOT, "[%.0f-%.0f %%]", min, max)
        : String.format(Locale.ROOT, "[%+.0f..%+.0f %%]", min, max);
  }

  @FunctionalInterface
  private interface Step {
    void run() throws Exception;
  }

  private void measure(String name, long rows, Step step, String table) throws Exception {
    long start = System.nanoTime();
    step.run();
    double seconds = (System.nanoTime() - start) / 1e9;
    long count = count(table);
    if (count != rows) {
      throw new IllegalStateException(
          name + ": " + table + " holds " + count + " rows, expected " + rows);
    }
    double rate = rows / seconds;
    times.computeIfAbsent(name, k -> new ArrayList<>()).add(seconds);
    System.out.printf(Locale.ROOT, "%-40s %7.2f s  %,10.0f rows/s%n", name, seconds, rate);
    layout(name, table);
    settle(table);
  }

  /**
   * How the step left the table (not timed): its size, and how many of the updates so far were HOT
   * (no index entry: the new version fit in the page's free space), which depends on what the
   * earlier steps left free.
   */
  private void layout(String name, String table) throws SQLException {
    try (Connection c = connect();
        Statement st = c.createStatement();
        ResultSet rs =
            st.executeQuery(
                "SELECT pg_relation_size('"
                    + table
                    + "') >> 20, pg_indexes_size('"
                    + table
                    + "') >> 20, n_tup_upd, n_tup_hot_upd FROM pg_stat_user_tables WHERE relname = '"
                    + table
                    + "'")) {
      if (rs.next()) {
        System.err.printf(
            Locale.ROOT,
            "layout after %s: %s %d MB, indexes %d MB, updates so far %,d (HOT %,d)%n",
            name.trim(),
            table,
            rs.getLong(1),
            rs.getLong(2),
            rs.getLong(3),
            rs.getLong(4));
      }
    }
  }

  /** VACUUM ANALYZE the table and CHECKPOINT, so the next step starts clean (not timed). */
  private void settle(String table) throws SQLException {
    try (Connection c = connect();
        Statement st = c.createStatement()) {
      st.execute("VACUUM ANALYZE " + table);
      st.execute("CHECKPOINT");
    }
  }

  /** VACUUM FULL (not timed): each table and its indexes rewritten without free space. */
  private void packed(String... tables) throws SQLException {
    try (Connection c = connect();
        Statement st = c.createStatement()) {
      for (String table : tables) {
        st.execute("VACUUM FULL ANALYZE " + table);
      }
      st.execute("CHECKPOINT");
    }
  }

  private void checkpoint() throws SQLException {
    try (Connection c = connect();
        Statement st = c.createStatement()) {
      st.execute("CHECKPOINT");
    }
  }

  /** keel (with and without versions) and the baseline must leave the same rows. */
  private void compare(long rows) throws SQLException {
    compare(KEEL_TABLE);
    compare(VERSIONED_TABLE);
  }

  private void compare(String keelTable) throws SQLException {
    try (Connection c = connect();
        Statement st = c.createStatement();
        ResultSet rs =
            st.executeQuery(
                "SELECT count(*) FROM "
                    + keelTable
                    + " k FULL JOIN "
                    + BASE_TABLE
                    + " b USING (id) WHERE (k.customer, k.amount, k.ts, k.region) IS DISTINCT FROM (b.customer, b.amount, b.ts, b.region)")) {
      rs.next();
      if (rs.getLong(1) != 0) {
        throw new IllegalStateException(
            rs.getLong(1) + " rows differ between " + keelTable + " and " + BASE_TABLE);
      }
    }
  }

  private Path pipeline(String name, String table, Path csv) throws IOException {
    return pipeline(name, table, csv, 0);
  }

  private Path pipeline(String name, String table, Path csv, int keepVersions) throws IOException {
    Path file = work.resolve(name + ".yaml");
    Files.writeString(
        file,
        String.join(
            "\n",
            "name: " + name,
            "source:",
            "  csv: { path: \"" + csv.toAbsolutePath() + "\", header: true }",
            "columns:",
            "  id: bigint",
            "  customer: text",
            "  amount: numeric(12,2)",
            "  ts: timestamptz",
            "  region: text",
            "sink:",
            "  postgres: { table: "
                + table
                + ", key: [id], mode: upsert"
                + (keepVersions > 0 ? ", keep_versions: " + keepVersions : "")
                + " }",
            ""),
        StandardCharsets.UTF_8);
    return file;
  }

  private void keel(Path pipeline, String label) {
    KeelRun.seconds(label, pipeline, url);
  }

  /** COPY into a TEMP staging table + one INSERT ... ON CONFLICT DO UPDATE, in one transaction. */
  private void baseline(Path csv) throws Exception {
    long t0 = System.nanoTime();
    long t1;
    long t2;
    try (Connection c = connect()) {
      c.setAutoCommit(false);
      try (Statement st = c.createStatement()) {
        st.execute("CREATE TEMP TABLE stage (" + COLUMNS + ") ON COMMIT DROP");
        try (Reader r = Files.newBufferedReader(csv, StandardCharsets.UTF_8)) {
          c.unwrap(PGConnection.class)
              .getCopyAPI()
              .copyIn("COPY stage FROM STDIN WITH (FORMAT csv, HEADER)", r, 1 << 16);
        }
        t1 = System.nanoTime();
        st.executeUpdate(
            "INSERT INTO "
                + BASE_TABLE
                + " (id, customer, amount, ts, region) SELECT id, customer, amount, ts, region"
                + " FROM stage ON CONFLICT (id) DO UPDATE SET customer = EXCLUDED.customer, amount = EXCLUDED.amount,"
                + " ts = EXCLUDED.ts, region = EXCLUDED.region");
      }
      t2 = System.nanoTime();
      c.commit();
    }
    // The phases, to set beside keel's (KEEL_LOG_LEVEL=DEBUG prints the sink's).
    System.err.printf(
        Locale.ROOT,
        "baseline phases: connect + COPY %d ms, upsert %d ms, commit %d ms%n",
        (t1 - t0) / 1_000_000,
        (t2 - t1) / 1_000_000,
        (System.nanoTime() - t2) / 1_000_000);
  }

  /** Plain INSERT, batches of 1,000 rewritten into multi-row INSERTs by PgJDBC, one transaction. */
  private void batchInsert(Path csv) throws Exception {
    String u = url + (url.contains("?") ? "&" : "?") + "reWriteBatchedInserts=true";
    try (Connection c = DriverManager.getConnection(u);
        BufferedReader r = Files.newBufferedReader(csv, StandardCharsets.UTF_8)) {
      c.setAutoCommit(false);
      try (PreparedStatement ps =
          c.prepareStatement(
              "INSERT INTO "
                  + BATCH_TABLE
                  + " (id, customer, amount, ts, region) VALUES (?, ?, ?, ?, ?)")) {
        r.readLine();
        String line;
        int n = 0;
        while ((line = r.readLine()) != null) {
          String[] f = line.split(",", -1); // the generated file has no quoted fields
          ps.setLong(1, Long.parseLong(f[0]));
          ps.setString(2, f[1]);
          ps.setBigDecimal(3, new BigDecimal(f[2]));
          ps.setObject(4, OffsetDateTime.parse(f[3]));
          ps.setString(5, f[4]);
          ps.addBatch();
          if (++n % 1000 == 0) {
            ps.executeBatch();
          }
        }
        ps.executeBatch();
      }
      c.commit();
    }
  }

  private void recreate(String table) throws SQLException {
    drop(table);
    try (Connection c = connect();
        Statement st = c.createStatement()) {
      st.execute("CREATE TABLE " + table + " (" + COLUMNS + ", PRIMARY KEY (id))");
    }
  }

  private void drop(String table) throws SQLException {
    try (Connection c = connect();
        Statement st = c.createStatement()) {
      st.execute("DROP TABLE IF EXISTS " + table);
    }
  }

  private long count(String table) throws SQLException {
    try (Connection c = connect();
        Statement st = c.createStatement();
        ResultSet rs = st.executeQuery("SELECT count(*) FROM " + table)) {
      rs.next();
      return rs.getLong(1);
    }
  }

  private Connection connect() throws SQLException {
    return DriverManager.getConnection(url);
  }
}
