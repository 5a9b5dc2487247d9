package dev.keel.connectors.csv;

import dev.keel.spec.SourceSpec;
import java.nio.charset.Charset;
import java.time.ZoneId;

/**
 * RFC 4180 CSV. {@code path} resolves against the pipeline file's folder; a {@code .gz} suffix
 * means gzip. An unquoted empty field is NULL; a quoted empty field ("") is the empty string for
 * text columns and NULL for others; {@code nullString}, when set, also reads as NULL.
 */
public record CsvSpec(
    String path,
    boolean header,
    char delimiter,
    char quote,
    Charset encoding,
    String nullString,
    ZoneId timezone,
    long maxRecordBytes)
    implements SourceSpec {
  public static final String KIND = "csv";

  @Override
  public String kind() {
    return KIND;
  }
}
