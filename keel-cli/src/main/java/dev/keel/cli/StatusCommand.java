package dev.keel.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.keel.store.SourceLags;
import dev.keel.store.Status;
import dev.keel.store.Windows;
import java.io.PrintWriter;
import java.util.List;
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
      List<Windows.State> windows = opened.store().windows().states();
      List<Windows.Skip> skipped = opened.store().windows().skipped();
      List<SourceLags.Lag> lags = opened.store().sourceLags().list();
      var buffers = opened.store().bufferBacklogs().summaries();
      if (json) {
        ObjectMapper mapper = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
        ObjectMapper times =
            new ObjectMapper()
                .findAndRegisterModules()
                .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS);
        ObjectNode node = mapper.valueToTree(report);
        node.set("windows", times.valueToTree(windows));
        node.set("skipped_windows", times.valueToTree(skipped));
        node.set("source_lag", times.valueToTree(lags));
        var bufferNodes = mapper.createArrayNode();
        for (var b : buffers) {
          bufferNodes
              .addObject()
              .put("pipeline", b.pipeline())
              .put("backlog_records", b.records())
              .put("backlog_age_seconds", b.age().toMillis() / 1000.0)
              .put("measured_at", b.measuredAt().toString());
        }
        node.set("buffers", bufferNodes);
        out.println(mapper.writeValueAsString(node));
        return ExitCodes.OK;
      }
      out.println("nodes:" + (report.nodes().isEmpty() ? " none" : ""));
      for (Status.NodeInfo n : report.nodes()) {
        out.printf(
            "  %-30s %-7s heartbeat %.1fs ago, %d tasks%s%n",
            n.id(),
            n.state(),
            n.heartbeatAgeSeconds(),
            n.tasksHeld(),
            n.region() == null ? "" : ", region " + n.region());
      }
      if (!report.regions().isEmpty()) {
        out.println("pipeline regions (tasks go to the first listed region with a live node):");
        for (Status.PipelineRegion r : report.regions()) {
          out.printf(
              "  %-30s active %s (regions %s)%n",
              r.pipeline(),
              r.active() == null ? "none: no listed region has a live node" : r.active(),
              String.join(", ", r.regions()));
        }
      }
      if (!report.problems().isEmpty()) {
        out.println("pipeline problems (the previous valid version keeps running):");
        for (var p : report.problems()) {
          out.printf(
              "  %s (seen by %s at %s): %s%n",
              p.sourceFile(), p.node(), p.seenAt(), p.problem().replace("\n", "\n    "));
        }
      }
      if (!windows.isEmpty()) {
        out.println("time windows (newest loaded / newest closed):");
        for (Windows.State w : windows) {
          out.printf(
              "  %-30s loaded %s, closed %s%n",
              w.pipeline(),
              w.newestLoaded() == null ? "none" : w.newestLoaded(),
              w.newestClosed() == null ? "none" : w.newestClosed());
        }
      }
      if (!skipped.isEmpty()) {
        out.println("skipped windows (not created after an outage; load them with keel backfill):");
        for (Windows.Skip k : skipped) {
          out.printf(
              "  %-30s %s .. %s (%d windows, skipped %s)%n",
              k.pipeline(), k.firstWindow(), k.lastWindow(), k.windows(), k.skippedAt());
        }
      }
      if (!lags.isEmpty()) {
        out.println("source lag (records behind the end when the partition's last task ended):");
        for (var l : lags) {
          out.printf(
              "  %s/%-10s %d (measured %s)%n",
              l.pipeline(), l.partition(), l.records(), l.measuredAt());
        }
      }
      if (!buffers.isEmpty()) {
        out.println("buffers (records extracted but not loaded into the sink yet):");
        for (var b : buffers) {
          out.printf(
              "  %-30s backlog %d records, oldest %d s (measured %s)%n",
              b.pipeline(), b.records(), b.age().toSeconds(), b.measuredAt());
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
