package dev.keel.cli;

import dev.keel.connector.Connectors;
import dev.keel.engine.LocalRun;
import dev.keel.engine.SinkFactory;
import dev.keel.record.OnlyPositions;
import dev.keel.runtime.Sink;
import dev.keel.spec.PipelineSpec;
import dev.keel.spec.SinkSpec;
import dev.keel.store.DeadLetterStore;
import dev.keel.store.TaskRow;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * Re-runs only the records a run rejected, once the pipeline (or the data) has been fixed: the
 * source is read again and only the rejected positions pass, through the current pipeline and the
 * normal staged, fenced publish. One replay per source run and partition: replaying the same dead
 * letters again publishes nothing more. Records rejected for repeating a key are not replayed (the
 * first record with that key was published; that is the unique rule, not an error). In {@code
 * replace} mode the replayed records are appended to the partition, never swapped for it: the
 * partition holds the rows its run published, which a replay of a few records must not delete.
 */
@Command(
    name = "replay",
    description =
        "Re-run the rejected records of a partition (newest run with rejects) after a fix.")
final class ReplayCommand implements Callable<Integer> {
  @Parameters(index = "0", paramLabel = "NAME")
  String name;

  @Option(
      names = "--partition",
      paramLabel = "P",
      required = true,
      description = "The partition to replay.")
  String partition;

  @Option(
      names = "--run",
      paramLabel = "R",
      description = "Replay this run's rejects (default: the newest run with rejects).")
  Long run;

  @Option(
      names = "--pipelines",
      paramLabel = "DIR|FILE",
      description = "The fixed pipeline (default: its current stored version).")
  Path pipelines;

  @Mixin DbOptions db;

  @Spec picocli.CommandLine.Model.CommandSpec cmd;

  /**
   * The pipeline a replay publishes with: a replace-mode sink appends (a replay publishes only the
   * rejected records; replace would delete the rows the run published and leave just those).
   */
  static PipelineSpec forReplay(PipelineSpec spec) {
    if (spec.sink().mode() != SinkSpec.Mode.REPLACE) {
      return spec;
    }
    SinkSpec append = spec.sink().withMode(SinkSpec.Mode.APPEND);
    return new PipelineSpec(
        spec.name(),
        spec.file(),
        spec.schedule(),
        spec.partitions(),
        spec.source(),
        spec.columns(),
        spec.transforms(),
        spec.validate(),
        append,
        spec.retry(),
        spec.attemptTimeout(),
        spec.text(),
        spec.hash());
  }

  @Override
  public Integer call() throws Exception {
    PrintWriter out = cmd.commandLine().getOut();
    PrintWriter err = cmd.commandLine().getErr();
    try (DbOptions.Opened opened = db.open(6)) {
      Optional<Enqueue.Version> v = Enqueue.find(opened.store(), name, pipelines);
      if (v.isEmpty()) {
        err.println(Enqueue.unknown(name, pipelines));
        return ExitCodes.BAD_INPUT;
      }
      PipelineSpec spec = forReplay(v.get().spec());
      String unknown = spec.unknownPartition(List.of(partition));
      if (unknown != null) {
        err.println("keel: " + unknown);
        return ExitCodes.BAD_INPUT;
      }
      DeadLetterStore deadLetters = opened.store().deadLetters();
      OptionalLong source =
          run != null ? OptionalLong.of(run) : deadLetters.latestRun(name, partition);
      long[] positions =
          source.isEmpty()
              ? new long[0]
              : deadLetters.list(name, partition, source.getAsLong(), Integer.MAX_VALUE).stream()
                  .filter(r -> !r.reason().startsWith("duplicate key"))
                  .mapToLong(DeadLetterStore.Row::position)
                  .distinct()
                  .toArray();
      if (positions.length == 0) {
        out.printf(
            "nothing to replay: no rejected records for %s partition %s%s%n",
            name,
            partition,
            source.isEmpty()
                ? ""
                : " in run "
                    + source.getAsLong()
                    + " (records rejected for a repeated key are not replayed)");
        return ExitCodes.OK;
      }
      LocalRun local = LocalRun.builder(opened.store()).build();
      Optional<Long> replay = local.createReplay(spec, v.get().id(), source.getAsLong(), partition);
      if (replay.isEmpty()) {
        out.printf(
            "the rejected records of run %d, partition %s, were replayed already; nothing published again."
                + " If that replay rejected records too, fix them and run keel replay %s --partition %s again.%n",
            source.getAsLong(), partition, name, partition);
        return ExitCodes.OK;
      }
      try (Sink sink = SinkFactory.create(spec, opened.store().db())) {
        sink.prepare();
        out.printf(
            "replaying %d rejected record%s of run %d, partition %s, as run %d%n",
            positions.length,
            positions.length == 1 ? "" : "s",
            source.getAsLong(),
            partition,
            replay.get());
        local.execute(
            replay.get(),
            spec,
            sink,
            1,
            (s, columns, p, baseDir, resume) ->
                new OnlyPositions(
                    Connectors.installed().open(s, columns, p, baseDir, resume), positions));
      }
      List<TaskRow> rows = opened.store().tasks().ofRun(replay.get());
      RunSummary.print(out, spec, replay.get(), rows);
      return rows.stream().allMatch(r -> r.state().equals("succeeded"))
          ? ExitCodes.OK
          : ExitCodes.FAILED;
    }
  }
}
