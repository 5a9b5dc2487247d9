package dev.keel.connectors.csv;

import dev.keel.KeelException;
import dev.keel.connectors.files.CappedReader;
import dev.keel.connectors.files.CorruptGzip;
import dev.keel.connectors.files.RawText;
import dev.keel.connectors.files.SourceFile;
import dev.keel.connectors.files.TextFiles;
import dev.keel.record.Coercion;
import dev.keel.record.CoercionException;
import dev.keel.record.RecordSource;
import dev.keel.record.SourceRecord;
import dev.keel.spec.Column;
import dev.keel.spec.SourceSpec;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVRecord;
import org.apache.commons.csv.QuoteMode;

/**
 * RFC 4180 CSV, streamed one record at a time (commons-csv).
 *
 * <p>The rules: quoted fields may hold the delimiter, doubled quotes and CR, LF or CRLF; lines may
 * end in any mix of CR, LF and CRLF; a byte-order mark is dropped; blank lines are skipped. An
 * <b>unquoted empty field is NULL</b>; a <b>quoted empty field ("") is the empty string</b> for
 * text columns and NULL for other types; a field equal to {@code nullString} (say {@code \N}) is
 * NULL whether quoted or not; the text {@code NULL} is just text. A record whose field count is not
 * the header's (or, without a header, the number of declared columns) is rejected, never padded or
 * truncated. With a header, columns are matched by name (case-insensitively); undeclared extra
 * columns are ignored. A record is at most {@code maxRecordBytes} characters; beyond that the file
 * is unreadable from there on and the source throws.
 */
final class CsvSource implements RecordSource {
  private final SourceFile file;
  private final String name;
  private final List<Column> columns;
  private final String nullString;
  private final ZoneId zone;
  private final char delimiter;
  private final long cap;
  private final CappedReader reader;

  /** Set for a file read with byte offsets (an S3 object): positions then carry them too. */
  private final SourceFile.Tracked tracked;

  private final CSVParser parser;
  private final Iterator<CSVRecord> records;

  /** Lines before the parser's first line (non-zero when resumed mid-file). */
  private long lineOffset;

  private long lastCharPos = -1;
  private long lastLine;
  private int[] fieldOf;
  private int expectedFields;

  CsvSource(Path file, CsvSpec spec, List<Column> columns) {
    this(SourceFile.local(file), spec, columns, null);
  }

  CsvSource(Path file, CsvSpec spec, List<Column> columns, String resume) {
    this(SourceFile.local(file), spec, columns, resume);
  }

  /**
   * @param resume a {@link #position()} of an earlier reading of this file, or null: reading
   *     resumes after that record without parsing the ones before it (the text is skipped)
   */
  CsvSource(SourceFile file, CsvSpec spec, List<Column> columns, String resume) {
    this.file = file;
    this.name = file.name();
    this.columns = List.copyOf(columns);
    this.nullString = spec.nullString();
    this.zone = spec.timezone() == null ? ZoneOffset.UTC : spec.timezone();
    this.delimiter = spec.delimiter() == 0 ? ',' : spec.delimiter();
    this.cap =
        spec.maxRecordBytes() > 0 ? spec.maxRecordBytes() : SourceSpec.DEFAULT_MAX_RECORD_BYTES;
    Position at = resume == null ? null : Position.parse(resume);
    if (at != null && spec.header()) {
      // The header decides the field mapping; read it from a first, short-lived parser.
      try (CsvSource head = new CsvSource(file, spec, columns, null)) {
        this.fieldOf = head.fieldOf;
        this.expectedFields = head.expectedFields;
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    // A file that can be read from a byte offset (an uncompressed S3 object) is opened there when
    // the checkpoint has one (a ranged GET), else from the start, counting bytes for later
    // checkpoints; other files are read from the start and skipped to the checkpoint.
    SourceFile.Tracked ranged =
        at != null && at.byteOffset() >= 0
            ? file.openTracked(spec.encoding(), at.chars(), at.byteOffset(), at.version())
            : null;
    this.tracked = ranged != null ? ranged : file.openTracked(spec.encoding(), 0, 0, null);
    this.reader =
        new CappedReader(tracked != null ? tracked.reader() : file.open(spec.encoding()), cap);
    if (at != null) {
      if (ranged == null) {
        skipChars(at.chars());
      }
      this.lineOffset = at.line() - 1;
    }
    // ALL_NON_NULL with no null string is what makes commons-csv return null for ,, and "" for ,"",
    CSVFormat format =
        CSVFormat.RFC4180
            .builder()
            .setDelimiter(delimiter)
            .setQuote(spec.quote() == 0 ? '"' : spec.quote())
            .setQuoteMode(QuoteMode.ALL_NON_NULL)
            .setNullString(null)
            .setIgnoreEmptyLines(false)
            .get();
    try {
      this.parser =
          CSVParser.builder()
              .setReader(reader)
              .setFormat(format)
              .setCharacterOffset(at == null ? 0 : at.chars())
              .get();
    } catch (IOException e) {
      throw new KeelException(name + ": cannot read: " + e.getMessage(), e);
    }
    this.records = parser.iterator();
    if (at != null) {
      // The checkpoint names the last record already published: read past it.
      nextRaw();
      if (!spec.header()) {
        fieldOf = identity(this.columns.size());
        expectedFields = this.columns.size();
      }
    } else if (spec.header()) {
      readHeader();
    } else {
      fieldOf = new int[this.columns.size()];
      for (int i = 0; i < fieldOf.length; i++) {
        fieldOf[i] = i;
      }
      expectedFields = this.columns.size();
    }
  }

  private static int[] identity(int n) {
    int[] out = new int[n];
    for (int i = 0; i < n; i++) {
      out[i] = i;
    }
    return out;
  }

  /**
   * A checkpoint: "csv:CHARACTER:LINE", and for an object read from a byte offset also
   * ":BYTE:VERSION" (the record's byte offset and the object's ETag).
   */
  record Position(long chars, long line, long byteOffset, String version) {
    static Position parse(String token) {
      String[] parts = token.split(":");
      if ((parts.length != 3 && parts.length != 5) || !parts[0].equals("csv")) {
        throw new KeelException(
            "checkpoint '" + token + "' is not a CSV position; was the source changed?");
      }
      return parts.length == 3
          ? new Position(Long.parseLong(parts[1]), Long.parseLong(parts[2]), -1, null)
          : new Position(
              Long.parseLong(parts[1]),
              Long.parseLong(parts[2]),
              Long.parseLong(parts[3]),
              "\"" + parts[4] + "\"");
    }
  }

  private void skipChars(long n) {
    try {
      long left = n;
      while (left > 0) {
        reader.startRecord(); // skipped text is not a record: keep the size cap out of it
        long skipped = reader.skip(Math.min(left, 1024));
        if (skipped <= 0) {
          throw new KeelException(
              name
                  + ": the checkpoint is at character "
                  + n
                  + " but the file is shorter now;"
                  + " it was truncated or replaced since the last run, so it cannot be resumed: clear the checkpoint"
                  + " (keel sql \"delete from keel_sink.checkpoint where ...\") to read it from the start");
        }
        left -= skipped;
      }
    } catch (IOException e) {
      throw new KeelException(name + ": cannot skip to the checkpoint: " + e.getMessage(), e);
    }
  }

  /**
   * Where the last returned record starts ("csv:CHARACTER:LINE"); a source opened with it resumes
   * after that record.
   */
  @Override
  public String position() {
    if (lastCharPos < 0) {
      return null;
    }
    String p = "csv:" + lastCharPos + ":" + lastLine;
    long b = tracked == null ? -1 : tracked.reader().byteOffset(lastCharPos);
    String version = tracked == null || tracked.version() == null ? "" : tracked.version();
    version = version.replace("\"", "");
    if (b >= 0 && !version.isEmpty() && !version.contains(":")) {
      p += ":" + b + ":" + version;
    }
    return p;
  }

  private void readHeader() {
    CSVRecord header = nextRaw();
    if (header == null) {
      // Not "no records": a file emptied by a failed export or a truncating redirect (: > f.csv)
      // looks
      // like this, and read as no records it would let mode replace wipe the partition.
      throw new KeelException(
          name
              + ": the file is empty, but header: true says its first line names the columns;"
              + " a file with no records still has its header line. Check how the file was produced, or set header: false");
    }
    List<String> names = new ArrayList<>();
    for (String n : header) {
      names.add(n == null ? "" : n.strip());
    }
    if (!names.isEmpty() && names.get(0).startsWith("\uFEFF")) {
      names.set(0, names.get(0).substring(1).strip());
    }
    Map<String, Integer> index = new HashMap<>();
    for (int i = 0; i < names.size(); i++) {
      String key = names.get(i).toLowerCase(Locale.ROOT);
      Integer before = index.putIfAbsent(key, i);
      if (before != null && !key.isEmpty()) {
        throw new KeelException(
            name
                + " line 1: the header names column '"
                + names.get(i)
                + "' twice (fields "
                + (before + 1)
                + " and "
                + (i + 1)
                + "); rename one of them");
      }
    }
    fieldOf = new int[columns.size()];
    for (int c = 0; c < columns.size(); c++) {
      Integer field = index.get(columns.get(c).name().toLowerCase(Locale.ROOT));
      if (field == null) {
        throw new KeelException(
            name
                + ": the header has no column '"
                + columns.get(c).name()
                + "' (it has: "
                + RawText.bound(String.join(", ", names))
                + "); fix the header or the columns: section");
      }
      fieldOf[c] = field;
    }
    expectedFields = names.size();
  }

  @Override
  public SourceRecord next() {
    while (true) {
      long line = lineOffset + parser.getCurrentLineNumber() + 1;
      CSVRecord record = nextRaw();
      if (record == null) {
        return null;
      }
      lastCharPos = record.getCharacterPosition();
      lastLine = line;
      if (record.size() == 1 && record.get(0) == null) {
        continue; // a blank line
      }
      return convert(record, line);
    }
  }

  private CSVRecord nextRaw() {
    long line = lineOffset + parser.getCurrentLineNumber() + 1;
    reader.startRecord();
    try {
      return records.hasNext() ? records.next() : null;
    } catch (CappedReader.RecordTooLarge e) {
      throw new KeelException(
          name
              + " line "
              + line
              + ": record exceeds the "
              + TextFiles.formatCap(cap)
              + " cap (max_record_bytes); an unterminated quote can cause this");
    } catch (UncheckedIOException e) {
      if (e.getCause() instanceof CorruptGzip gz) {
        throw new KeelException(name + " line " + line + ": " + gz.getMessage());
      }
      throw new KeelException(
          name
              + " line "
              + line
              + ": "
              + e.getCause().getMessage()
              + "; a field containing quotes must be quoted, with each inner quote doubled (\"\")",
          e);
    } catch (IllegalStateException e) {
      throw new KeelException(name + " line " + line + ": " + e.getMessage(), e);
    }
  }

  private SourceRecord convert(CSVRecord record, long line) {
    if (record.size() != expectedFields) {
      return SourceRecord.rejected(
          line, raw(record), "expected " + expectedFields + " fields, found " + record.size());
    }
    Object[] values = new Object[columns.size()];
    for (int c = 0; c < values.length; c++) {
      Column column = columns.get(c);
      String field = record.get(fieldOf[c]);
      if (field == null || field.equals(nullString)) {
        values[c] = null;
      } else if (field.isEmpty()) {
        values[c] = column.type().isText() ? "" : null;
      } else {
        try {
          values[c] = Coercion.fromText(field, column.type(), zone);
        } catch (CoercionException e) {
          return SourceRecord.rejected(
              line, raw(record), "column " + column.name() + ": " + e.getMessage());
        }
      }
    }
    return SourceRecord.row(line, values);
  }

  private String raw(CSVRecord record) {
    return RawText.join(record.toList(), delimiter);
  }

  @Override
  public String describe() {
    return name;
  }

  @Override
  public void close() throws IOException {
    parser.close();
  }
}
