package dev.keel.connectors.csv;

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

/**
 * {@code source: { csv: { path, header, delimiter, quote, encoding, null, timezone,
 * max_record_bytes } }}.
 */
public final class CsvProvider implements SourceProvider {
  @Override
  public String kind() {
    return CsvSpec.KIND;
  }

  @Override
  public SourceSpec parse(ConfigSection s, PipelineContext pipeline) {
    s.onlyKeys(
        Set.of(
            "path",
            "header",
            "delimiter",
            "quote",
            "encoding",
            "null",
            "timezone",
            "max_record_bytes"));
    String path = s.requiredString("path");
    boolean header = s.bool("header", true);
    char delimiter = s.character("delimiter", ',');
    char quote = s.character("quote", '"');
    if (quote == delimiter && s.has("quote")) {
      s.error(
          "quote",
          s.where()
              + ".quote is the same character as the delimiter ('"
              + (quote == '\t' ? "\\t" : String.valueOf(quote))
              + "'); fields could not be told apart; choose another quote"
              + " or delimiter");
    } else if (quote == delimiter) {
      s.error(
          "delimiter",
          s.where()
              + ".delimiter '"
              + delimiter
              + "' is the quote character;"
              + " choose another delimiter, or set quote: to another character");
    }
    String nullString = s.string("null");
    return new CsvSpec(
        path,
        header,
        delimiter,
        quote,
        FileSources.encoding(s),
        nullString,
        FileSources.timezone(s),
        FileSources.maxRecordBytes(s));
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
    CsvSpec csv = (CsvSpec) spec;
    return new CsvSource(SourceFile.of(csv.path(), partition, baseDir), csv, columns, resume);
  }
}
