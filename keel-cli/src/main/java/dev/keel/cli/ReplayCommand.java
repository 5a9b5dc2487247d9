package dev.keel.cli;

import dev.keel.spec.PipelineSpec;
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
      String unknown = DeadLetterReplay.unknownPartition(v.get().spec(), partition);
      PipelineSpec spec = DeadLetterReplay.forReplay(v.get().spec());
      if (unknown != null) {
        err.println("keel: " + unknown);
        return ExitCodes.BAD_INPUT;
      }
      DeadLetterReplay.Plan plan =
          DeadLetterReplay.create(opened.store(), spec, v.get().id(), partition, run);
      if (plan instanceof DeadLetterReplay.Nothing nothing) {
        OptionalLong source = nothing.sourceRun();
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
      if (plan instanceof DeadLetterReplay.AlreadyReplayed already) {
        out.printf(
            "the rejected records of run %d, partition %s, were replayed already; nothing published again."
                + " If that replay rejected records too, fix them and run keel replay %s --partition %s again.%n",
            already.sourceRun(), partition, name, partition);
        return ExitCodes.OK;
      }
      DeadLetterReplay.Created replay = (DeadLetterReplay.Created) plan;
      DeadLetterReplay.execute(
          opened.store(),
          replay,
          () ->
              out.printf(
                  "replaying %d rejected record%s of run %d, partition %s, as run %d%n",
                  replay.positions().length,
                  replay.positions().length == 1 ? "" : "s",
                  replay.sourceRun(),
                  partition,
                  replay.runId()));
      List<TaskRow> rows = opened.store().tasks().ofRun(replay.runId());
      RunSummary.print(out, spec, replay.runId(), rows);
      return rows.stream().allMatch(r -> r.state().equals("succeeded"))
          ? ExitCodes.OK
          : ExitCodes.FAILED;
    }
  }
}
