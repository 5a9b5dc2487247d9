package dev.keel.cli;

import dev.keel.runtime.LoadHistory;
import dev.keel.server.api.ApiException;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code keel rollback NAME --partition P --to-run R}: one fenced transaction that restores the
 * partition to what it held right after run R's publish; it is itself a load (keel history lists
 * it; a rollback to the run before it undoes it).
 */
@Command(
    name = "rollback",
    description =
        "Restore a partition to exactly what it held right after a run's publish (needs"
            + " sink.postgres.keep_versions); the rollback is itself a load that can be undone.")
final class RollbackCommand implements Callable<Integer> {
  @Parameters(index = "0", paramLabel = "NAME")
  String name;

  @Option(
      names = "--partition",
      paramLabel = "P",
      required = true,
      description = "The partition to restore.")
  String partition;

  @Option(
      names = "--to-run",
      paramLabel = "R",
      required = true,
      description = "The run whose published state to restore (keel history lists them).")
  long run;

  @Mixin DbOptions db;

  @Spec picocli.CommandLine.Model.CommandSpec cmd;

  @Override
  public Integer call() {
    PrintWriter out = cmd.commandLine().getOut();
    if (run < 1) {
      return Refusal.print(
          cmd, ApiException.badRequest("--to-run must be a positive run id, not " + run));
    }
    try (DbOptions.Opened opened = db.open(3)) {
      LoadHistory.Load done = new SinkRollbacks(opened.store()).rollback(name, partition, run);
      if (done == null) {
        out.printf(
            "%s partition %s: run %d is its newest load already; nothing to roll back%n",
            name, partition, run);
      } else {
        out.printf(
            "%s partition %s rolled back to run %d: %d rows inserted, %d updated, %d deleted%n",
            name, partition, run, done.inserted(), done.updated(), done.deleted());
      }
      return ExitCodes.OK;
    } catch (ApiException e) {
      return Refusal.print(cmd, e);
    }
  }
}
