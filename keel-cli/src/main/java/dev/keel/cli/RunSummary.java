package dev.keel.cli;

import dev.keel.spec.PipelineSpec;
import dev.keel.spec.SinkSpec;
import dev.keel.store.TaskRow;
import java.io.PrintWriter;
import java.util.List;

/** The per-partition table {@code keel run} prints when it is done. */
final class RunSummary {
  private RunSummary() {}

  static void print(PrintWriter out, PipelineSpec spec, long runId, List<TaskRow> rows) {
    SinkSpec sink = spec.sink();
    out.printf(
        "run %d of %s into %s (%s)%n",
        runId, spec.name(), sink.target(), sink.mode().name().toLowerCase(java.util.Locale.ROOT));
    out.printf(
        "%-16s %-10s %8s %10s %10s %10s %10s %9s%n",
        "partition", "state", "attempts", "read", "filtered", "rejected", "published", "time");
    long rejected = 0;
    for (TaskRow r : rows) {
      rejected += r.rejected();
      out.printf(
          "%-16s %-10s %8d %10d %10d %10d %10d %8.1fs%n",
          r.partition(),
          r.state(),
          r.attempt(),
          r.read(),
          r.filtered(),
          r.rejected(),
          r.published(),
          r.millis() / 1000.0);
    }
    for (TaskRow r : rows) {
      if (r.error() != null) {
        out.printf("%s: %s%n", r.partition(), r.error());
      }
    }
    if (rejected > 0) {
      out.printf(
          "rejected records (with line and reason) are in keel.dead_letter: keel deadletters %s [--partition P],"
              + " or keel sql \"select partition, position, reason, raw from keel.dead_letter where run_id = %d\"%n",
          spec.name(), runId);
    }
  }
}
