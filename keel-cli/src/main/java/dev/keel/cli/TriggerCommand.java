package dev.keel.cli;

import java.nio.file.Path;
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
    name = "trigger",
    description =
        "Enqueue a run now for the cluster's nodes (all partitions, or those named); print its id.")
final class TriggerCommand implements Callable<Integer> {
  @Parameters(index = "0", paramLabel = "NAME")
  String name;

  @Option(
      names = "--partition",
      paramLabel = "P",
      description =
          "Only this partition (repeatable): a value, a date, or a window (2026-11-27, which"
              + " stands for all its cells 2026-11-27/eu, ...). Default: all, or for a"
              + " time-partitioned pipeline the newest closed window.")
  List<String> partitions = new ArrayList<>();

  @Option(
      names = "--pipelines",
      paramLabel = "DIR|FILE",
      description = "Read the pipeline from here (default: its current stored version).")
  Path pipelines;

  @Mixin DbOptions db;

  @Spec picocli.CommandLine.Model.CommandSpec cmd;

  @Override
  public Integer call() throws Exception {
    try (DbOptions.Opened opened = db.open(2)) {
      Optional<Enqueue.Version> v = Enqueue.find(opened.store(), name, pipelines);
      if (v.isEmpty()) {
        cmd.commandLine().getErr().println(Enqueue.unknown(name, pipelines));
        return ExitCodes.BAD_INPUT;
      }
      var spec = v.get().spec();
      long run =
          Enqueue.create(
              opened.store(), v.get(), "trigger", RunPartitions.choose(spec, partitions));
      cmd.commandLine().getOut().println(run);
      return ExitCodes.OK;
    }
  }
}
