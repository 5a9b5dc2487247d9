package dev.keel.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.keel.store.Status;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(
    name = "status",
    description = "Show nodes, recent runs and their tasks (owner, attempt, lease, checkpoint).")
final class StatusCommand implements Callable<Integer> {
  /** A node that has not heartbeated for this long is shown dead. */
  static final long NODE_DEAD_AFTER_MS = 15_000;

  @Mixin DbOptions db;

  @Option(names = "--json", description = "Print JSON.")
  boolean json;

  @Option(names = "--runs", paramLabel = "N", description = "How many recent runs (default 10).")
  int runs = 10;

  @Spec picocli.CommandLine.Model.CommandSpec cmd;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = cmd.commandLine().getOut();
    try (DbOptions.Opened opened = db.open(2)) {
      Status.Report report = new Status(opened.store().db()).read(runs, NODE_DEAD_AFTER_MS);
      if (json) {
        out.println(
            new ObjectMapper()
                .enable(SerializationFeature.INDENT_OUTPUT)
                .writeValueAsString(report));
        return ExitCodes.OK;
      }
      out.println("nodes:" + (report.nodes().isEmpty() ? " none" : ""));
      for (Status.NodeInfo n : report.nodes()) {
        out.printf(
            "  %-30s %-7s heartbeat %.1fs ago, %d tasks%n",
            n.id(), n.state(), n.heartbeatAgeSeconds(), n.tasksHeld());
      }
      if (!report.problems().isEmpty()) {
        out.println("pipeline problems (the previous valid version keeps running):");
        for (var p : report.problems()) {
          out.printf(
              "  %s (seen by %s at %s): %s%n",
              p.sourceFile(), p.node(), p.seenAt(), p.problem().replace("\n", "\n    "));
        }
      }
      var lags = opened.store().sourceLags().list();
      if (!lags.isEmpty()) {
        out.println("source lag (records behind the end when the partition's last task ended):");
        for (var l : lags) {
          out.printf(
              "  %s/%-10s %d (measured %s)%n",
              l.pipeline(), l.partition(), l.records(), l.measuredAt());
        }
      }
      out.println("runs:" + (report.runs().isEmpty() ? " none" : ""));
      for (Status.RunInfo r : report.runs()) {
        out.printf(
            "  run %d %s %s (%s, created %s)%n",
            r.id(), r.pipeline(), r.state(), r.trigger(), r.createdAt());
        for (Status.TaskInfo t : r.tasks()) {
          out.printf(
              "    %-14s %-9s attempt %d/%d%s%s%s%s%n",
              t.partition(),
              t.state(),
              t.attempt(),
              t.maxAttempts(),
              t.owner() == null ? "" : " owner " + t.owner(),
              t.leaseRemainingSeconds() == null
                  ? ""
                  : String.format(" lease %.1fs left", t.leaseRemainingSeconds()),
              t.rowsPublished() == null
                  ? ""
                  : " published " + t.rowsPublished() + " rejected " + t.rowsRejected(),
              t.error() == null
                  ? ""
                  : t.error().startsWith("waiting for sink")
                      ? " " + t.error()
                      : " error: " + t.error());
        }
      }
      return ExitCodes.OK;
    }
  }
}
