package dev.keel.parquet;

import dev.keel.connector.PipelineContext;
import dev.keel.connector.SourceProvider;
import dev.keel.connectors.files.FileSources;
import dev.keel.connectors.files.SourceFile;
import dev.keel.record.RecordSource;
import dev.keel.spec.Column;
import dev.keel.spec.ConfigSection;
import dev.keel.spec.PartitionRef;
import dev.keel.spec.SourceSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.apache.parquet.io.LocalInputFile;

/** {@code source: { parquet: { path, timezone, max_row_group_bytes } }}. */
public final class ParquetProvider implements SourceProvider {
  @Override
  public String kind() {
    return ParquetSpec.KIND;
  }

  @Override
  public SourceSpec parse(ConfigSection s, PipelineContext pipeline) {
    s.onlyKeys(Set.of("path", "timezone", "max_row_group_bytes"));
    return new ParquetSpec(
        s.requiredString("path"),
        FileSources.timezone(s),
        s.integer(
            "max_row_group_bytes",
            ParquetSpec.DEFAULT_MAX_ROW_GROUP_BYTES,
            1024 * 1024,
            Integer.MAX_VALUE));
  }

  /**
   * A local file that is there is opened and its footer checked against the declared columns (not
   * Parquet, a missing, nested or unconvertible column: exit 2 before the run). A missing file or
   * an S3 object is left to the run, which fails the partition naming it.
   */
  @Override
  public void check(SourceSpec spec, List<Column> columns, PartitionRef partition, Path baseDir) {
    SourceFile file = SourceFile.of(((ParquetSpec) spec).path(), partition, baseDir);
    if (file instanceof SourceFile.LocalFile local && Files.isRegularFile(local.file())) {
      ParquetSource.checkSchema(new LocalInputFile(local.file()), file.name(), columns);
    }
  }

  @Override
  public RecordSource open(
      SourceSpec spec, List<Column> columns, String partition, Path baseDir, String resume) {
    return open(spec, columns, PartitionRef.named(partition), baseDir, resume);
  }

  @Override
  public RecordSource open(
      SourceSpec spec, List<Column> columns, PartitionRef partition, Path baseDir, String resume) {
    ParquetSpec parquet = (ParquetSpec) spec;
    SourceFile file = SourceFile.of(parquet.path(), partition, baseDir);
    return new ParquetSource(ParquetFiles.open(file), file.name(), parquet, columns, resume);
  }
}
