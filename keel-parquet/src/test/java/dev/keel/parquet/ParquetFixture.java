package dev.keel.parquet;

import dev.keel.record.RecordSource;
import dev.keel.record.SourceRecord;
import dev.keel.spec.Column;
import dev.keel.spec.ColumnType;
import java.io.IOException;
import java.nio.file.Path;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.function.IntFunction;
import org.apache.parquet.conf.PlainParquetConfiguration;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.example.data.simple.SimpleGroupFactory;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.example.ExampleParquetWriter;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.io.LocalOutputFile;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.MessageTypeParser;

/** Real Parquet files written with parquet-java's writer (without Hadoop), and reading helpers. */
final class ParquetFixture {
  private ParquetFixture() {}

  /** Writes {@code count} rows made by {@code row} (given a new group and the 0-based index). */
  static void write(
      Path file,
      String schema,
      CompressionCodecName codec,
      long rowGroupBytes,
      int count,
      RowMaker row)
      throws IOException {
    MessageType type = MessageTypeParser.parseMessageType(schema);
    SimpleGroupFactory groups = new SimpleGroupFactory(type);
    try (ParquetWriter<Group> writer =
        ExampleParquetWriter.builder(new LocalOutputFile(file))
            .withConf(new PlainParquetConfiguration())
            .withType(type)
            .withCompressionCodec(codec)
            .withCodecFactory(new Codecs())
            .withRowGroupSize(rowGroupBytes)
            .withPageSize(1024)
            .build()) {
      for (int i = 0; i < count; i++) {
        Group g = groups.newGroup();
        row.fill(g, i);
        writer.write(g);
      }
    }
  }

  static void write(Path file, String schema, int count, RowMaker row) throws IOException {
    write(file, schema, CompressionCodecName.SNAPPY, 128L * 1024 * 1024, count, row);
  }

  interface RowMaker {
    void fill(Group g, int i);
  }

  static ParquetSpec spec(String path) {
    return new ParquetSpec(path, ZoneOffset.UTC, ParquetSpec.DEFAULT_MAX_ROW_GROUP_BYTES);
  }

  /** Columns from "name type, name type", e.g. {@code "id bigint, amount numeric(12,2)"}. */
  static List<Column> columns(String spec) {
    List<Column> columns = new ArrayList<>();
    for (String part : spec.split(",(?![^(]*\\))")) {
      String[] nameAndType = part.strip().split("\\s+", 2);
      columns.add(new Column(nameAndType[0], ColumnType.parse(nameAndType[1])));
    }
    return columns;
  }

  static List<SourceRecord> readAll(RecordSource source) throws IOException {
    try (source) {
      List<SourceRecord> records = new ArrayList<>();
      for (SourceRecord r = source.next(); r != null; r = source.next()) {
        records.add(r);
      }
      return records;
    }
  }

  static List<Object> values(SourceRecord record) {
    if (record.isRejected()) {
      throw new AssertionError("row " + record.position() + " was rejected: " + record.error());
    }
    return java.util.Arrays.asList(record.values());
  }

  static <T> List<T> list(int n, IntFunction<T> f) {
    List<T> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      out.add(f.apply(i));
    }
    return out;
  }
}
