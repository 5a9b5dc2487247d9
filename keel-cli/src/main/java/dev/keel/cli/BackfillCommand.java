package dev.keel.cli;

import dev.keel.spec.Partitions;
import dev.keel.spec.TimeWindow;
import dev.keel.spec.TimeWindows;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.format.DateTimeParseException;
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
        "Enqueue one run whose partitions are the dates FROM..TO (inclusive), or for a"
            + " time-partitioned pipeline the windows FROM..TO (window names, inclusive, each"
            + " crossed with the values); print its id.")
final class BackfillCommand implements Callable<Integer> {
  @Parameters(index = "0", paramLabel = "NAME")
  String name;

  @Option(names = "--from", required = true, paramLabel = "YYYY-MM-DD|WINDOW")
  String fromText;

  @Option(names = "--to", required = true, paramLabel = "YYYY-MM-DD|WINDOW")
  String toText;

  @Option(
      names = "--pipelines",
      paramLabel = "DIR|FILE",
      description = "Read the pipeline from here (default: its current stored version).")
  Path pipelines;

  @Mixin DbOptions db;

  @Spec picocli.CommandLine.Model.CommandSpec cmd;

  @Override
  public Integer call() throws Exception {
    if (isDate(fromText) && isDate(toText) && dates() == null) {
      return ExitCodes.BAD_INPUT; // an inverted or huge range of dates needs no database to refuse
    }
    try (DbOptions.Opened opened = db.open(2)) {
      Optional<Enqueue.Version> v = Enqueue.find(opened.store(), name, pipelines);
      if (v.isEmpty()) {
        cmd.commandLine().getErr().println(Enqueue.unknown(name, pipelines));
        return ExitCodes.BAD_INPUT;
      }
      Partitions partitions = v.get().spec().partitions();
      List<String> cells = partitions.isWindows() ? windows(partitions) : dates();
      if (cells == null) {
        return ExitCodes.BAD_INPUT;
      }
      long run =
          Enqueue.create(opened.store(), v.get(), "backfill:" + fromText + ".." + toText, cells);
      cmd.commandLine().getOut().println(run);
      return ExitCodes.OK;
    }
  }

  /** The cells of the windows --from..--to; null (reported) when they are not windows in order. */
  private List<String> windows(Partitions partitions) {
    TimeWindows windows = partitions.windows();
    Optional<TimeWindow> from = windows.parse(fromText);
    Optional<TimeWindow> to = windows.parse(toText);
    for (String[] bound : new String[][] {{"--from", fromText}, {"--to", toText}}) {
      if (windows.parse(bound[1]).isEmpty()) {
        cmd.commandLine()
            .getErr()
            .printf(
                "keel backfill: %s %s is not a window of %s (%s windows from %s); the nearest: %s%n",
                bound[0],
                bound[1],
                name,
                windows.unit().key(),
                windows.first(),
                String.join(", ", windows.nearest(bound[1], 5)));
        return null;
      }
    }
    if (from.get().startInstant().isAfter(to.get().startInstant())) {
      cmd.commandLine()
          .getErr()
          .printf(
              "keel backfill: --from %s is after --to %s; give the earlier window first%n",
              fromText, toText);
      return null;
    }
    List<TimeWindow> range = windows.between(from.get(), to.get(), Partitions.MAX_DATES + 1);
    if (range.size() > Partitions.MAX_DATES) {
      cmd.commandLine()
          .getErr()
          .printf(
              "keel backfill: %s..%s is more than %d windows; split it%n",
              fromText, toText, Partitions.MAX_DATES);
      return null;
    }
    List<String> out = new ArrayList<>();
    range.forEach(w -> out.addAll(partitions.cells(w)));
    return out;
  }

  private static boolean isDate(String s) {
    try {
      LocalDate.parse(s);
      return true;
    } catch (DateTimeParseException e) {
      return false;
    }
  }

  /** The dates --from..--to; null (reported) when they are not dates in order. */
  private List<String> dates() {
    LocalDate from;
    LocalDate to;
    try {
      from = LocalDate.parse(fromText);
      to = LocalDate.parse(toText);
    } catch (DateTimeParseException e) {
      cmd.commandLine()
          .getErr()
          .printf(
              "keel backfill: --from and --to must be dates YYYY-MM-DD, not %s and %s%n",
              fromText, toText);
      return null;
    }
    if (from.isAfter(to)) {
      cmd.commandLine()
          .getErr()
          .printf(
              "keel backfill: --from %s is after --to %s; give the earlier date first%n", from, to);
      return null;
    }
    if (ChronoUnit.DAYS.between(from, to) >= Partitions.MAX_DATES) {
      cmd.commandLine()
          .getErr()
          .printf(
              "keel backfill: %s..%s is more than %d days; split it%n",
              from, to, Partitions.MAX_DATES);
      return null;
    }
    List<String> dates = new ArrayList<>();
    for (LocalDate d = from; !d.isAfter(to); d = d.plusDays(1)) {
      dates.add(d.toString());
    }
    return dates;
  }
}
