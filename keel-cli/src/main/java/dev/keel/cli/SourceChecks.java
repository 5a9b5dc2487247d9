package dev.keel.cli;

import dev.keel.KeelException;
import dev.keel.connector.Connectors;
import dev.keel.connector.SourceProvider;
import dev.keel.spec.PartitionRef;
import dev.keel.spec.PipelineSpec;
import java.util.List;

/**
 * What each partition's source can tell before a run (a Parquet file's schema): a problem found
 * here is bad input, exit 2, before anything is written ({@link SourceProvider#check}).
 */
final class SourceChecks {
  private SourceChecks() {}

  static void check(PipelineSpec spec, List<String> partitions) {
    SourceProvider provider = Connectors.installed().source(spec.source().kind());
    for (String partition : partitions) {
      PartitionRef ref = spec.partitions().ref(partition).orElse(PartitionRef.named(partition));
      try {
        provider.check(spec.source(), spec.columns(), ref, spec.baseDir());
      } catch (KeelException e) {
        throw new BadInputException(e.getMessage() + " (nothing was run)");
      }
    }
  }
}
