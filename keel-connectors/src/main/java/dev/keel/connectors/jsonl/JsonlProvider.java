package dev.keel.connectors.jsonl;

import dev.keel.connector.PipelineContext;
import dev.keel.connector.SourceProvider;
import dev.keel.connectors.files.FileSources;
import dev.keel.connectors.files.SourceFile;
import dev.keel.record.RecordSource;
import dev.keel.spec.Column;
import dev.keel.spec.ConfigSection;
import dev.keel.spec.SourceSpec;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;

/** {@code source: { jsonl: { path, encoding, timezone, max_record_bytes } }}. */
public final class JsonlProvider implements SourceProvider {
  @Override
  public String kind() {
    return JsonlSpec.KIND;
  }

  @Override
  public SourceSpec parse(ConfigSection s, PipelineContext pipeline) {
    s.onlyKeys(Set.of("path", "encoding", "timezone", "max_record_bytes"));
    String path = s.requiredString("path");
    return new JsonlSpec(
        path, FileSources.encoding(s), FileSources.timezone(s), FileSources.maxRecordBytes(s));
  }

  @Override
  public RecordSource open(
      SourceSpec spec, List<Column> columns, String partition, Path baseDir, String resume) {
    return open(spec, columns, dev.keel.spec.PartitionRef.named(partition), baseDir, resume);
  }

  @Override
  public RecordSource open(
      SourceSpec spec,
      List<Column> columns,
      dev.keel.spec.PartitionRef partition,
      Path baseDir,
      String resume) {
    JsonlSpec jsonl = (JsonlSpec) spec;
    return new JsonlSource(SourceFile.of(jsonl.path(), partition, baseDir), jsonl, columns, resume);
  }
}
