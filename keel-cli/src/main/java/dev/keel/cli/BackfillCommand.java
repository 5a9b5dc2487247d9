package dev.keel.cli;

import dev.keel.spec.Partitions;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(
    name = "backfill",
    description =
        "Enqueue one run whose partitions are the dates FROM..TO (inclusive); print its id.")
final class BackfillCommand implements Callable<Integer> {
  @Parameters(index = "0", paramLabel = "NAME")
  String name;

  @Option(names = "--from", required = true, paramLabel = "YYYY-MM-DD")
  LocalDate from;

  @Option(names = "--to", required = true, paramLabel = "YYYY-MM-DD")
  LocalDate to;

  @Option(
      names = "--pipelines",
      paramLabel = "DIR|FILE",
      description = "Read the pipeline from here (default: its current stored version).")
  Path pipelines;

  @Mixin DbOptions db;

  @Spec picocli.CommandLine.Model.CommandSpec cmd;

  @Override
  public Integer call() throws Exception {
    if (from.isAfter(to)) {
      cmd.commandLine()
          .getErr()
          .printf(
              "keel backfill: --from %s is after --to %s; give the earlier date first%n", from, to);
      return ExitCodes.BAD_INPUT;
    }
    if (ChronoUnit.DAYS.between(from, to) >= Partitions.MAX_DATES) {
      cmd.commandLine()
          .getErr()
          .printf(
              "keel backfill: %s..%s is more than %d days; split it%n",
              from, to, Partitions.MAX_DATES);
      return ExitCodes.BAD_INPUT;
    }
    try (DbOptions.Opened opened = db.open(2)) {
      Optional<Enqueue.Version> v = Enqueue.find(opened.store(), name, pipelines);
      if (v.isEmpty()) {
        cmd.commandLine().getErr().println(Enqueue.unknown(name, pipelines));
        return ExitCodes.BAD_INPUT;
      }
      List<String> dates = new ArrayList<>();
      for (LocalDate d = from; !d.isAfter(to); d = d.plusDays(1)) {
        dates.add(d.toString());
      }
      long run = Enqueue.create(opened.store(), v.get(), "backfill:" + from + ".." + to, dates);
      cmd.commandLine().getOut().println(run);
      return ExitCodes.OK;
    }
  }
}
