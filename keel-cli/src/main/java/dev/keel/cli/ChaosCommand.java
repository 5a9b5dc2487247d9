package dev.keel.cli;

import dev.keel.chaos.Chaos;
import dev.keel.chaos.ChaosCluster;
import dev.keel.chaos.ChaosPipeline;
import dev.keel.chaos.ChaosReport;
import dev.keel.chaos.ChaosResult;
import dev.keel.chaos.ChaosSettings;
import dev.keel.chaos.CutProxy;
import dev.keel.chaos.FaultKind;
import dev.keel.chaos.LocalPostgres;
import dev.keel.chaos.WritableDatabase;
import dev.keel.spec.JdbcUrls;
import dev.keel.store.Database;
import dev.keel.store.MetadataStore;
import dev.keel.store.PostgresUrls;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(
    name = "chaos",
    description = {
      "Prove a deployment survives: run nodes on a generated pipeline (table chaos_orders, append),"
          + " inject faults at seeded random times, then check from the data that every run's rows"
          + " landed exactly once, no task is stuck and every alert raised was resolved.",
      "Exit 0 when every check held, 1 naming the broken ones, 2 on bad input."
    })
final class ChaosCommand implements Callable<Integer> {
  @Option(
      names = "--db",
      paramLabel = "URL",
      description =
          "PostgreSQL to run on (one host). It only gets keel's schemas and table chaos_orders."
              + " Default: a PostgreSQL of its own, in a temporary folder, which 'restart' may restart.")
  String db;

  @Option(names = "--nodes", paramLabel = "N", description = "Nodes (default ${DEFAULT-VALUE}).")
  int nodes = 3;

  @Option(
      names = "--duration",
      paramLabel = "DURATION",
      converter = DurationConverter.class,
      description =
          "How long faults are injected (default 60s); the runs then finish before the checks.")
  Duration duration = Duration.ofSeconds(60);

  @Option(
      names = "--faults",
      paramLabel = "KINDS",
      description =
          "Comma-separated: kill, freeze, cut, restart (default: all; without restart with --db).")
  String faults;

  @Option(
      names = "--seed",
      paramLabel = "N",
      description = "Seed of the fault schedule (default: random, printed to repeat it).")
  Long seed;

  @Option(names = "--report", paramLabel = "FILE.json", description = "Write a JSON report here.")
  Path report;

  @Option(names = "--rows-per-partition", hidden = true)
  int rowsPerPartition = ChaosSettings.DEFAULT_ROWS_PER_PARTITION;

  @Option(names = "--lease", hidden = true, converter = DurationConverter.class)
  Duration lease = ChaosSettings.DEFAULT_LEASE;

  @Spec picocli.CommandLine.Model.CommandSpec cmd;

  @Override
  public Integer call() throws Exception {
    ChaosSettings settings = settings();
    if (report != null) {
      Path parent = report.toAbsolutePath().getParent();
      if (!Files.isDirectory(parent) || !Files.isWritable(parent)) {
        throw new BadInputException(
            "--report " + report + ": folder " + parent + " does not exist or is not writable");
      }
    }
    if (db != null) {
      checkDatabase();
    }
    PrintWriter out = cmd.commandLine().getOut();
    Path work = Files.createTempDirectory("keel-chaos-");
    LocalPostgres own = null;
    try {
      if (db == null) {
        out.println("keel chaos: starting a PostgreSQL of its own in " + work.resolve("pgdata"));
        own = LocalPostgres.start(work.resolve("pgdata"), true);
      }
      String url = db != null ? db : own.url();
      ChaosPipeline pipeline =
          new ChaosPipeline(work.resolve("pipelines"), settings.nodes() * 2, rowsPerPartition);
      Path file = pipeline.write();
      ChaosResult result;
      try (MetadataStore store =
              MetadataStore.open(new Database(url, null, null, 3, "keel-chaos"));
          ChaosCluster cluster =
              ChaosCluster.open(own, url, pipeline.dir(), work.resolve("logs"), settings.lease())) {
        refuseOpenRuns(store);
        store
            .db()
            .inTransaction(
                "dropping " + ChaosPipeline.TABLE,
                c -> {
                  try (var st = c.createStatement()) {
                    return st.executeUpdate("DROP TABLE IF EXISTS " + ChaosPipeline.TABLE);
                  }
                });
        Enqueue.Version version = Enqueue.find(store, ChaosPipeline.NAME, file).orElseThrow();
        result =
            new Chaos(
                    settings,
                    cluster,
                    pipeline,
                    days -> Enqueue.create(store, version, "chaos", days),
                    out)
                .run();
      }
      ChaosReport chaosReport = new ChaosReport(result);
      chaosReport.printTable(out);
      if (report != null) {
        chaosReport.write(report);
        out.println("report: " + report);
      }
      out.println("node logs: " + work.resolve("logs"));
      if (!result.ok()) {
        cmd.commandLine().getErr().println("keel chaos: broken: " + result.broken());
        return ExitCodes.FAILED;
      }
      out.printf("keel chaos: every check held (seed %d)%n", settings.seed());
      return ExitCodes.OK;
    } finally {
      if (own != null) {
        own.close();
      }
      deleteAllBut(work, "logs");
    }
  }

  private ChaosSettings settings() {
    List<FaultKind> kinds;
    try {
      kinds =
          faults != null
              ? FaultKind.parseList(faults)
              : db == null
                  ? List.of(FaultKind.values())
                  : List.of(FaultKind.KILL, FaultKind.FREEZE, FaultKind.CUT);
    } catch (IllegalArgumentException e) {
      throw new BadInputException("--faults " + faults + ": " + e.getMessage());
    }
    if (db != null && kinds.contains(FaultKind.RESTART)) {
      throw new BadInputException(
          "--faults restart restarts the PostgreSQL keel chaos started itself; with --db leave"
              + " restart out (or drop --db)");
    }
    ChaosSettings s =
        new ChaosSettings(
            nodes,
            duration,
            kinds,
            seed != null ? seed : new SecureRandom().nextLong() & Long.MAX_VALUE,
            lease,
            nodes * 2,
            rowsPerPartition);
    String problem = s.problem();
    if (problem != null) {
      throw new BadInputException(problem);
    }
    return s;
  }

  private void checkDatabase() {
    String problem = PostgresUrls.problem(db);
    if (problem == null && !CutProxy.singleHost(db)) {
      problem =
          "'"
              + JdbcUrls.redact(db)
              + "' names several hosts; keel chaos cuts the connections to one: give the primary's";
    }
    if (problem == null) {
      problem = WritableDatabase.problem(db);
    }
    if (problem != null) {
      throw new BadInputException("--db: " + JdbcUrls.redact(problem));
    }
  }

  /** Runs of chaos_orders still open: another keel chaos on this database, or one interrupted. */
  private static void refuseOpenRuns(MetadataStore store) {
    long open =
        store
            .db()
            .inTransaction(
                "looking for open chaos runs",
                c -> {
                  try (var ps =
                      c.prepareStatement(
                          "SELECT count(*) FROM keel.run WHERE pipeline = ? AND state IN ('queued', 'running')"); ) {
                    ps.setString(1, ChaosPipeline.NAME);
                    try (var rs = ps.executeQuery()) {
                      rs.next();
                      return rs.getLong(1);
                    }
                  }
                });
    if (open > 0) {
      throw new BadInputException(
          open
              + " run(s) of "
              + ChaosPipeline.NAME
              + " are still open on this database: another keel chaos runs on it, or one was"
              + " interrupted; wait for it, or give another --db");
    }
  }

  private static void deleteAllBut(Path work, String keep) throws IOException {
    try (Stream<Path> all = Files.walk(work)) {
      all.sorted(Comparator.reverseOrder())
          .filter(p -> !p.startsWith(work.resolve(keep)) && !p.equals(work))
          .forEach(p -> p.toFile().delete());
    }
  }
}
