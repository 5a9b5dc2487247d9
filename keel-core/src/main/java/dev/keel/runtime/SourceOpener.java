package dev.keel.runtime;

import dev.keel.record.RecordSource;
import dev.keel.spec.Column;
import dev.keel.spec.PartitionRef;
import dev.keel.spec.SourceSpec;
import java.nio.file.Path;
import java.util.List;

/** Opens the source of one partition (implemented by the connectors module). */
@FunctionalInterface
public interface SourceOpener {
  /**
   * @param resume a {@link RecordSource#position()} to continue after, or null for the start
   */
  RecordSource open(
      SourceSpec spec, List<Column> columns, PartitionRef partition, Path baseDir, String resume);
}
