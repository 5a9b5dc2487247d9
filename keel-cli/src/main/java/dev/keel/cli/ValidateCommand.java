package dev.keel.cli;

import dev.keel.spec.PipelineSpec;
import dev.keel.spec.SinkSpec;
import dev.keel.spec.SpecReader;
import dev.keel.store.Database;
import dev.keel.store.PostgresUrls;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(
    name = "validate",
    description = "Parse and check a pipeline file; print every problem with line and column.")
final class ValidateCommand implements Callable<Integer> {
  @Parameters(index = "0", paramLabel = "FILE.yaml")
  Path file;

  @Option(
      names = "--db",
      paramLabel = "URL",
      description =
          "Also check the pipeline's regions against the nodes of this cluster's metadata PostgreSQL"
              + " (default: $KEEL_DB; without either, regions are not checked). A region no node has"
              + " ever used is a warning, not an error.")
  String db;

  @Spec picocli.CommandLine.Model.CommandSpec cmd;

  @Override
  public Integer call() {
    PipelineSpec spec = new SpecReader().read(file);
    SourceChecks.check(spec, spec.partitions().list());
    SinkSpec sink = spec.sink();
    cmd.commandLine()
        .getOut()
        .printf(
            "%s: ok — pipeline %s, %d columns, %d partitions, %s into %s%n",
            file,
            spec.name(),
            spec.columns().size(),
            spec.partitions().list().size(),
            sink.mode().name().toLowerCase(java.util.Locale.ROOT),
            sink.target());
    if (spec.buffer() != null) {
      cmd.commandLine()
          .getOut()
          .printf(
              "  buffered through %s: stage %s extracts into it, stage %s%s loads it"
                  + " continuously (alert buffer_backlog after %d s)%n",
              spec.buffer().target(),
              spec.name(),
              spec.name(),
              dev.keel.spec.BufferStages.LOAD_SUFFIX,
              spec.buffer().alertAfter().toSeconds());
    }
    String url = db != null ? db : System.getenv("KEEL_DB");
    if (!spec.regions().isEmpty() && url != null) {
      warnOfUnknownRegions(spec.regions(), url, cmd.commandLine().getErr());
    }
    return ExitCodes.OK;
  }

  /**
   * A region that no node has ever registered with is likely a typo (or a region not deployed yet):
   * a warning, since nodes may join later, and the pipeline's tasks wait until one does when it is
   * the only region listed.
   */
  private static void warnOfUnknownRegions(List<String> regions, String url, PrintWriter err) {
    String problem = PostgresUrls.problem(url);
    if (problem != null) {
      throw new BadInputException("--db: " + problem);
    }
    Set<String> known = new HashSet<>();
    try (Database database = new Database(url, null, null, 1, "keel-validate")) {
      database.withConnection(
          "reading the regions of the cluster's nodes",
          c -> {
            try (PreparedStatement ps =
                    c.prepareStatement(
                        "SELECT DISTINCT region FROM keel.node WHERE region IS NOT NULL");
                ResultSet rs = ps.executeQuery()) {
              while (rs.next()) {
                known.add(rs.getString(1));
              }
            } catch (java.sql.SQLException e) {
              // No keel schema (or no region column) yet: no node has run here.
            }
            return null;
          });
    }
    for (String region : regions) {
      if (!known.contains(region)) {
        err.printf(
            "warning: regions: no node has ever run in region '%s'%s; start one with keel node --region %s,"
                + " or check the name%n",
            region,
            known.isEmpty()
                ? ""
                : " (regions seen: " + String.join(", ", new java.util.TreeSet<>(known)) + ")",
            region);
      }
    }
  }
}
