package dev.keel.cli;

import dev.keel.parquet.Codecs;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.parquet.conf.PlainParquetConfiguration;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.example.data.simple.SimpleGroupFactory;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.example.ExampleParquetWriter;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.io.LocalOutputFile;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.MessageTypeParser;

/** Real Parquet files for the CLI tests, written by parquet-java's writer without Hadoop. */
final class ParquetTestFiles {
  /** Fills row {@code i} (0-based) of a file. */
  interface Row {
    void fill(Group g, int i);
  }

  private ParquetTestFiles() {}

  /** Snappy pages; row groups of about {@code rowGroupBytes}; replaces {@code file}. */
  static void write(Path file, String schema, long rowGroupBytes, int rows, Row row)
      throws IOException {
    Files.deleteIfExists(file);
    MessageType type = MessageTypeParser.parseMessageType(schema);
    SimpleGroupFactory groups = new SimpleGroupFactory(type);
    try (ParquetWriter<Group> writer =
        ExampleParquetWriter.builder(new LocalOutputFile(file))
            .withConf(new PlainParquetConfiguration())
            .withType(type)
            .withCompressionCodec(CompressionCodecName.SNAPPY)
            .withCodecFactory(new Codecs())
            .withRowGroupSize(rowGroupBytes)
            .build()) {
      for (int i = 0; i < rows; i++) {
        Group g = groups.newGroup();
        row.fill(g, i);
        writer.write(g);
      }
    }
  }
}
