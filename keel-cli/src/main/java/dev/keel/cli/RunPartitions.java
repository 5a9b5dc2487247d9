package dev.keel.cli;

import dev.keel.KeelException;
import dev.keel.connector.Connectors;
import dev.keel.runtime.UnreachableException;
import dev.keel.spec.PipelineSpec;
import java.util.List;

/**
 * The partitions a command runs or enqueues: those named on the command line, checked against the
 * pipeline's, or all of them (for time windows: a window's cells, or the newest closed window). A
 * source may define the partitions itself (a Kafka topic's), which asks its server: a source that
 * is not there is bad input (exit 2), one that does not answer a failure (exit 1), each with the
 * source's message.
 */
final class RunPartitions {
  private RunPartitions() {}

  static List<String> choose(PipelineSpec spec, List<String> named) {
    if (spec.partitions().isWindows()) {
      // a window's name stands for all its cells (2026-11-27 → 2026-11-27/eu, 2026-11-27/us)
      List<String> chosen =
          named.isEmpty()
              ? spec.partitions().list()
              : named.stream().flatMap(p -> spec.partitions().expand(p).stream()).toList();
      String unknown = spec.unknownPartition(chosen);
      if (unknown != null) {
        throw new BadInputException(unknown);
      }
      return chosen;
    }
    List<String> all;
    try {
      all = Connectors.installed().partitionsOf(spec);
    } catch (UnreachableException e) {
      throw e;
    } catch (KeelException e) {
      throw new BadInputException(spec.name() + ": " + e.getMessage());
    }
    if (named.isEmpty()) {
      return all;
    }
    for (String p : named) {
      if (!all.contains(p) && !spec.partitions().contains(p)) {
        throw new BadInputException(
            "partition '"
                + p
                + "' is not one of "
                + spec.name()
                + "'s partitions ("
                + (all.size() > 10
                    ? all.get(0) + " … " + all.get(all.size() - 1)
                    : String.join(", ", all))
                + ")");
      }
    }
    return named;
  }
}
