package dev.keel.cli;

import dev.keel.store.DeadLetterStore;
import java.io.PrintWriter;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(
    name = "deadletters",
    description =
        "List the records a run rejected (default: the newest run with rejects), with position and reason.")
final class DeadLettersCommand implements Callable<Integer> {
  @Parameters(index = "0", paramLabel = "NAME")
  String name;

  @Option(names = "--partition", paramLabel = "P", description = "Only this partition.")
  String partition;

  @Option(
      names = "--run",
      paramLabel = "R",
      description = "This run (default: the newest with rejected records).")
  Long run;

  @Option(names = "--limit", paramLabel = "N", description = "At most N records (default 100).")
  int limit = 100;

  @Mixin DbOptions db;

  @Spec picocli.CommandLine.Model.CommandSpec cmd;

  @Override
  public Integer call() {
    PrintWriter out = cmd.commandLine().getOut();
    try (DbOptions.Opened opened = db.open(2)) {
      DeadLetterStore store = opened.store().deadLetters();
      OptionalLong runId = run != null ? OptionalLong.of(run) : store.latestRun(name, partition);
      if (runId.isEmpty()) {
        out.printf(
            "no rejected records for %s%s%n",
            name, partition == null ? "" : " partition " + partition);
        return ExitCodes.OK;
      }
      List<DeadLetterStore.Row> rows = store.list(name, partition, runId.getAsLong(), limit);
      out.printf(
          "run %d of %s: %d rejected record%s%s%n",
          runId.getAsLong(),
          name,
          rows.size(),
          rows.size() == 1 ? "" : "s",
          rows.size() == limit ? " (first " + limit + "; --limit for more)" : "");
      out.printf("%-14s %9s  %s%n", "partition", "position", "reason | raw record");
      for (DeadLetterStore.Row r : rows) {
        out.printf(
            "%-14s %9d  %s%n%26s%s%n",
            r.partition(), r.position(), r.reason(), "| ", r.raw() == null ? "" : r.raw());
      }
      return ExitCodes.OK;
    }
  }
}
