package dev.keel.parquet;

import dev.keel.KeelException;
import dev.keel.connectors.files.RawText;
import dev.keel.record.Coercion;
import dev.keel.record.CoercionException;
import dev.keel.record.RecordSource;
import dev.keel.record.SourceRecord;
import dev.keel.runtime.ObjectStoreException;
import dev.keel.spec.Column;
import java.io.IOException;
import java.time.DateTimeException;
import java.time.ZoneId;
import java.util.Arrays;
import java.util.List;
import org.apache.parquet.HadoopFreeReadOptions;
import org.apache.parquet.column.page.PageReadStore;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.example.data.simple.convert.GroupRecordConverter;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.metadata.BlockMetaData;
import org.apache.parquet.hadoop.metadata.ColumnChunkMetaData;
import org.apache.parquet.io.ColumnIOFactory;
import org.apache.parquet.io.InputFile;
import org.apache.parquet.io.RecordReader;
import org.apache.parquet.schema.MessageType;

/**
 * A Parquet file, read row group by row group: only the declared columns of one row group are in
 * memory at a time (at most {@code max_row_group_bytes} of them, compressed), so a file of any size
 * streams. A record's position is its row number in the file (1-based; dead letters say "row N");
 * {@link #position()} is {@code row:N}, and a reading resumed there skips whole row groups without
 * reading them, then the rows of the next one up to N.
 *
 * <p>Values go through {@link Coercion} (see {@link ParquetValues}): one that does not fit its
 * declared column (a decimal with more places than its scale, a year PostgreSQL cannot store, a
 * string with a NUL byte) rejects the record. A file that is not Parquet, is cut short, or whose
 * schema does not fit the declared columns fails the partition when it is opened, naming the file;
 * a row group that cannot be read fails it naming the row group.
 */
final class ParquetSource implements RecordSource {
  private final String name;
  private final List<Column> columns;
  private final ZoneId zone;
  private final long maxRowGroupBytes;
  private final ParquetFileReader reader;
  private final ParquetColumns fields;
  private final List<BlockMetaData> rowGroups;

  /** The row group read now (0-based) and its rows not yet returned. */
  private int rowGroup = -1;

  private RecordReader<Group> rows;
  private long left;

  /** Rows returned or skipped so far: the 1-based number of the last one. */
  private long row;

  ParquetSource(
      InputFile input, String name, ParquetSpec spec, List<Column> columns, String resume) {
    this.name = name;
    this.columns = List.copyOf(columns);
    this.zone = spec.timezone();
    this.maxRowGroupBytes = spec.maxRowGroupBytes();
    long skip = resume == null ? 0 : rowPosition(resume);
    this.reader = openReader(input, name);
    try {
      MessageType schema = reader.getFooter().getFileMetaData().getSchema();
      this.fields = ParquetColumns.of(name, schema, columns);
      reader.setRequestedSchema(fields.projection());
      this.rowGroups = reader.getRowGroups();
      fields.checkCodecs(name, rowGroups);
      skipRowGroups(skip);
    } catch (RuntimeException e) {
      closeQuietly();
      throw e;
    }
  }

  /** Opens the file's footer and matches the declared columns; reads no row group. */
  static void checkSchema(InputFile input, String name, List<Column> columns) {
    try (ParquetFileReader reader = openReader(input, name)) {
      ParquetColumns.of(name, reader.getFooter().getFileMetaData().getSchema(), columns)
          .checkCodecs(name, reader.getRowGroups());
    } catch (IOException e) {
      // closing a local file that was read: nothing to report
    }
  }

  private static ParquetFileReader openReader(InputFile input, String name) {
    try {
      return ParquetFileReader.open(input, HadoopFreeReadOptions.with(new Codecs()));
    } catch (ObjectStoreException e) {
      throw e; // S3's own verdict: transient (no answer, 5xx) or permanent (403, 404, 412)
    } catch (IOException | RuntimeException e) {
      // No cause attached: an EOFException in the chain would read as a lost connection, and a
      // file cut short does not heal by retrying.
      throw new KeelException(
          name
              + ": not a readable Parquet file ("
              + e.getMessage()
              + "); a Parquet file ends with its footer and the bytes PAR1: check that the file is"
              + " Parquet and was written completely");
    }
  }

  /** N of "row:N". */
  static long rowPosition(String token) {
    String[] parts = token.split(":");
    if (parts.length != 2 || !parts[0].equals("row")) {
      throw new KeelException(
          "checkpoint '" + token + "' is not a Parquet row position; was the source changed?");
    }
    return Long.parseLong(parts[1]);
  }

  /** Skips the row groups wholly before row {@code skip} unread, and the rows of the next. */
  private void skipRowGroups(long skip) {
    while (skip > row && rowGroup + 1 < rowGroups.size()) {
      long count = rowGroups.get(rowGroup + 1).getRowCount();
      if (row + count > skip) {
        readRowGroup();
        for (; row < skip; row++, left--) {
          readRow();
        }
        return;
      }
      reader.skipNextRowGroup();
      rowGroup++;
      row += count;
    }
    if (skip > row) {
      throw new KeelException(
          name
              + ": the checkpoint is at row "
              + skip
              + " but the file has "
              + row
              + " rows; was the file replaced since? Run the partition again from the start");
    }
  }

  @Override
  public SourceRecord next() throws IOException {
    while (left == 0) {
      if (rowGroup + 1 >= rowGroups.size()) {
        return null;
      }
      readRowGroup();
    }
    Group values = readRow();
    row++;
    left--;
    return convert(row, values);
  }

  private void readRowGroup() {
    int next = rowGroup + 1;
    BlockMetaData block = rowGroups.get(next);
    long bytes = 0;
    for (ColumnChunkMetaData chunk : block.getColumns()) {
      if (fields.paths().contains(chunk.getPath())) {
        bytes += chunk.getTotalSize();
      }
    }
    if (bytes > maxRowGroupBytes) {
      throw new KeelException(
          where(next, block)
              + ": its declared columns hold "
              + bytes
              + " bytes, over the cap of "
              + maxRowGroupBytes
              + " (max_row_group_bytes) that keeps memory bounded; write the file with smaller"
              + " row groups, or raise max_row_group_bytes");
    }
    PageReadStore pages;
    try {
      pages = reader.readNextRowGroup();
    } catch (ObjectStoreException e) {
      throw e;
    } catch (IOException | RuntimeException e) {
      throw new KeelException(where(next, block) + ": cannot be read (" + e.getMessage() + ")");
    }
    MessageType projection = fields.projection();
    rows =
        new ColumnIOFactory()
            .getColumnIO(projection)
            .getRecordReader(pages, new GroupRecordConverter(projection));
    rowGroup = next;
    left = pages.getRowCount();
  }

  private Group readRow() {
    try {
      return rows.read();
    } catch (ObjectStoreException e) {
      throw e;
    } catch (RuntimeException e) {
      throw new KeelException(
          where(rowGroup, rowGroups.get(rowGroup))
              + ": row "
              + (row + 1)
              + " cannot be decoded ("
              + e.getMessage()
              + "); the file is corrupt");
    }
  }

  private String where(int index, BlockMetaData block) {
    return name
        + ": row group "
        + (index + 1)
        + " of "
        + rowGroups.size()
        + " ("
        + block.getRowCount()
        + " rows)";
  }

  private SourceRecord convert(long number, Group group) {
    Object[] values = new Object[columns.size()];
    String[] texts = new String[columns.size()];
    String problem = null;
    for (int c = 0; c < values.length; c++) {
      Column column = columns.get(c);
      try {
        texts[c] = fields.text(group, c);
        values[c] = Coercion.fromText(texts[c], column.type(), zone);
      } catch (CoercionException | DateTimeException e) {
        // DateTimeException: an instant past java.time's range (year one billion)
        problem = problem != null ? problem : "column " + column.name() + ": " + e.getMessage();
      }
    }
    if (problem != null) {
      return SourceRecord.rejected(number, RawText.join(Arrays.asList(texts), ','), problem);
    }
    return SourceRecord.row(number, values);
  }

  @Override
  public String position() {
    return row == 0 ? null : "row:" + row;
  }

  @Override
  public String describe() {
    return name;
  }

  @Override
  public void close() throws IOException {
    reader.close();
  }

  private void closeQuietly() {
    try {
      reader.close();
    } catch (IOException | RuntimeException ignored) {
      // already failing; the first error is the one worth reporting
    }
  }
}
