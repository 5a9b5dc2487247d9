package dev.keel.connectors.files;

import dev.keel.record.RecordSource;
import dev.keel.record.SourceRecord;
import dev.keel.spec.Column;
import dev.keel.spec.ColumnType;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** Small helpers shared by the source tests. */
public final class SourceTesting {
  private SourceTesting() {}

  /** Columns from "name type, name type", e.g. {@code "id bigint, amount numeric(12,2)"}. */
  public static List<Column> columns(String spec) {
    List<Column> columns = new ArrayList<>();
    for (String part : spec.split(",(?![^(]*\\))")) {
      String[] nameAndType = part.strip().split("\\s+", 2);
      columns.add(new Column(nameAndType[0], ColumnType.parse(nameAndType[1])));
    }
    return columns;
  }

  public static List<SourceRecord> readAll(RecordSource source) throws IOException {
    try (source) {
      List<SourceRecord> records = new ArrayList<>();
      for (SourceRecord r = source.next(); r != null; r = source.next()) {
        records.add(r);
      }
      return records;
    }
  }

  public static List<Object> values(SourceRecord record) {
    if (record.isRejected()) {
      throw new AssertionError(
          "record at " + record.position() + " was rejected: " + record.error());
    }
    return Arrays.asList(record.values());
  }
}
