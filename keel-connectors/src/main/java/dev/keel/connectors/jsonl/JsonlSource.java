package dev.keel.connectors.jsonl;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.cfg.JsonNodeFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.keel.KeelException;
import dev.keel.connectors.files.BoundedLineReader;
import dev.keel.connectors.files.CorruptGzip;
import dev.keel.connectors.files.RawText;
import dev.keel.connectors.files.SourceFile;
import dev.keel.connectors.files.TextFiles;
import dev.keel.record.Coercion;
import dev.keel.record.RecordSource;
import dev.keel.record.SourceRecord;
import dev.keel.spec.Column;
import dev.keel.spec.SourceSpec;
import java.io.IOException;
import java.io.Reader;
import java.nio.file.Path;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import java.util.regex.Pattern;

/**
 * JSON Lines: one JSON object per line, keys are column names (exact case); a missing key or JSON
 * null is NULL; unknown keys are ignored; blank lines are skipped. Strings and numbers go through
 * {@link Coercion} (numbers are read as BigDecimal/BigInteger, so no digit is lost before the
 * declared type decides); an empty string is the empty string for text columns and NULL for others,
 * as in CSV. A line that is not one JSON object (not JSON, a trailing comma, an array, a duplicate
 * key, trailing garbage), a nested object or array where a column is declared, or a line longer
 * than {@code maxRecordBytes} is a rejected record; reading goes on with the next line. So is a
 * line over the parser's limits: a number of more than {@value #MAX_NUMBER_LENGTH} characters,
 * nesting deeper than {@value #MAX_NESTING_DEPTH}, or a number BigDecimal cannot hold ({@code
 * 1e-2147483648}).
 */
final class JsonlSource implements RecordSource {
  /** Digits a JSON number may have (Jackson's default): a longer one is a rejected record. */
  static final int MAX_NUMBER_LENGTH = 1000;

  /**
   * Arrays and objects nested deeper than this in a line make it a rejected record (Jackson's
   * default).
   */
  static final int MAX_NESTING_DEPTH = 1000;

  private final ObjectMapper json;

  /** Also bounds strings by the line cap (a string cannot be longer than its line anyway). */
  private static ObjectMapper mapper(long cap) {
    StreamReadConstraints limits =
        StreamReadConstraints.builder()
            .maxNumberLength(MAX_NUMBER_LENGTH)
            .maxNestingDepth(MAX_NESTING_DEPTH)
            .maxStringLength(
                (int)
                    Math.min(
                        Integer.MAX_VALUE,
                        Math.max(cap, StreamReadConstraints.DEFAULT_MAX_STRING_LEN)))
            .build();
    return JsonMapper.builder(JsonFactory.builder().streamReadConstraints(limits).build())
        .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
        .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
        .enable(DeserializationFeature.USE_BIG_INTEGER_FOR_INTS)
        .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
        .disable(JsonNodeFeature.STRIP_TRAILING_BIGDECIMAL_ZEROES)
        .build();
  }

  /** Jackson's pointer to its own setting, which means nothing to a pipeline's author. */
  private static final Pattern LIMIT_HINT = Pattern.compile(", from `[^`]*`\\)");

  private final SourceFile file;
  private final List<Column> columns;
  private final ZoneId zone;
  private final long cap;
  private final BoundedLineReader lines;

  /** Lines up to here were published before (a resumed reading); they are skipped unparsed. */
  private final long skipThrough;

  private long lastLine;
  private long lastLineStart;

  /** Set for a file read with byte offsets (an S3 object): positions then carry them too. */
  private final SourceFile.Tracked tracked;

  JsonlSource(Path file, JsonlSpec spec, List<Column> columns) {
    this(SourceFile.local(file), spec, columns, null);
  }

  JsonlSource(Path file, JsonlSpec spec, List<Column> columns, String resume) {
    this(SourceFile.local(file), spec, columns, resume);
  }

  /**
   * @param resume a {@link #position()} of an earlier reading ("line:N"): lines up to N are
   *     skipped, not parsed
   */
  JsonlSource(SourceFile file, JsonlSpec spec, List<Column> columns, String resume) {
    this.skipThrough = resume == null ? 0 : linePosition(resume);
    this.file = file;
    this.columns = List.copyOf(columns);
    this.zone = spec.timezone() == null ? ZoneOffset.UTC : spec.timezone();
    this.cap =
        spec.maxRecordBytes() > 0 ? spec.maxRecordBytes() : SourceSpec.DEFAULT_MAX_RECORD_BYTES;
    this.json = mapper(cap);
    // An uncompressed S3 object is opened at the checkpoint's byte offset when it has one (a ranged
    // GET of the same version), else from the start, counting bytes for later checkpoints.
    String[] at = resume == null ? null : resume.split(":");
    SourceFile.Tracked ranged =
        at != null && at.length == 5
            ? file.openTracked(
                spec.encoding(), Long.parseLong(at[2]), Long.parseLong(at[3]), "\"" + at[4] + "\"")
            : null;
    this.tracked = ranged != null ? ranged : file.openTracked(spec.encoding(), 0, 0, null);
    Reader text = tracked != null ? tracked.reader() : file.open(spec.encoding());
    this.lines =
        ranged != null
            ? new BoundedLineReader(text, cap, skipThrough, Long.parseLong(at[2]))
            : new BoundedLineReader(text, cap);
  }

  /** N of "line:N" (or of "line:N:CHAR:BYTE:VERSION", an S3 object's checkpoint). */
  static long linePosition(String token) {
    String[] parts = token.split(":");
    if (!parts[0].equals("line") || (parts.length != 2 && parts.length != 5)) {
      throw new KeelException(
          "checkpoint '" + token + "' is not a line position; was the source changed?");
    }
    return Long.parseLong(parts[1]);
  }

  /**
   * The line of the last returned record ("line:N"); for an object read with byte offsets also
   * where that line starts, as a character index and a byte offset, and the object's ETag.
   */
  @Override
  public String position() {
    if (lastLine == 0) {
      return null;
    }
    String p = "line:" + lastLine;
    long b = tracked == null ? -1 : tracked.reader().byteOffset(lastLineStart);
    String version = tracked == null || tracked.version() == null ? "" : tracked.version();
    version = version.replace("\"", "");
    if (b >= 0 && !version.isEmpty() && !version.contains(":")) {
      p += ":" + lastLineStart + ":" + b + ":" + version;
    }
    return p;
  }

  @Override
  public SourceRecord next() throws IOException {
    BoundedLineReader.Line line;
    do {
      try {
        line = lines.next();
      } catch (CorruptGzip e) {
        throw new KeelException(describe() + " line " + (lastLine + 1) + ": " + e.getMessage());
      }
      if (line == null) {
        return null;
      }
    } while (line.number() <= skipThrough || (!line.tooLong() && line.text().isBlank()));
    lastLine = line.number();
    lastLineStart = lines.lastLineStart();
    if (line.tooLong()) {
      return SourceRecord.rejected(
          line.number(),
          RawText.bound(line.text()),
          "line is longer than the "
              + TextFiles.formatCap(cap)
              + " cap (max_record_bytes); skipped");
    }
    return convert(line.number(), line.text());
  }

  private SourceRecord convert(long number, String text) {
    String raw = RawText.bound(text);
    JsonNode root;
    try {
      root = json.readTree(text);
    } catch (StreamConstraintsException e) {
      return SourceRecord.rejected(
          number,
          raw,
          "JSON over keel's limits: " + LIMIT_HINT.matcher(e.getOriginalMessage()).replaceAll(")"));
    } catch (JsonProcessingException e) {
      return SourceRecord.rejected(
          number,
          raw,
          "not valid JSON"
              + (e.getLocation() == null ? "" : " at column " + e.getLocation().getColumnNr())
              + ": "
              + e.getOriginalMessage());
    } catch (NumberFormatException | ArithmeticException e) {
      // A number Jackson cannot hold as BigDecimal, such as 1e-2147483648 (scale out of range).
      return SourceRecord.rejected(number, raw, "a JSON number is out of range: " + e.getMessage());
    }
    try {
      return SourceRecord.row(number, JsonObjects.values(root, columns, zone));
    } catch (JsonObjects.Refused e) {
      return SourceRecord.rejected(number, raw, e.getMessage());
    }
  }

  @Override
  public String describe() {
    return file.name();
  }

  @Override
  public void close() throws IOException {
    lines.close();
  }
}
