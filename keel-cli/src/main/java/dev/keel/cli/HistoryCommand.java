package dev.keel.cli;

import dev.keel.runtime.LoadHistory;
import dev.keel.server.api.ApiException;
import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code keel history NAME [--partition P]}: the loads keep_versions keeps, newest first. */
@Command(
    name = "history",
    description =
        "List the kept loads of a pipeline (sink.postgres.keep_versions): run, time, rows inserted,"
            + " updated, deleted; keel rollback restores a partition to any of those runs.")
final class HistoryCommand implements Callable<Integer> {
  @Parameters(index = "0", paramLabel = "NAME")
  String name;

  @Option(names = "--partition", paramLabel = "P", description = "Only this partition.")
  String partition;

  @Mixin DbOptions db;

  @Spec picocli.CommandLine.Model.CommandSpec cmd;

  @Override
  public Integer call() {
    PrintWriter out = cmd.commandLine().getOut();
    try (DbOptions.Opened opened = db.open(3)) {
      List<LoadHistory.Load> loads = new SinkRollbacks(opened.store()).history(name, partition);
      if (loads.isEmpty()) {
        out.printf(
            "no loads of %s%s kept yet%n",
            name, partition == null ? "" : " partition " + partition);
        return ExitCodes.OK;
      }
      out.printf(
          "%-12s %-8s %-21s %-8s %10s %10s %10s  %s%n",
          "PARTITION", "RUN", "PUBLISHED", "MODE", "INSERTED", "UPDATED", "DELETED", "");
      for (LoadHistory.Load l : loads) {
        out.printf(
            "%-12s %-8s %-21s %-8s %10d %10d %10d  %s%n",
            l.partition(),
            l.runId() == null ? "-" : l.runId(),
            l.publishedAt().truncatedTo(java.time.temporal.ChronoUnit.SECONDS),
            l.mode(),
            l.inserted(),
            l.updated(),
            l.deleted(),
            (l.restoredRun() == null ? "" : "rollback to run " + l.restoredRun())
                + (l.undoable()
                    ? ""
                    : (l.restoredRun() == null ? "" : "; ") + "oldest state kept"));
      }
      return ExitCodes.OK;
    } catch (ApiException e) {
      return Refusal.print(cmd, e);
    }
  }
}
