package dev.keel.spec;

import java.nio.charset.Charset;
import java.time.Duration;
import java.time.ZoneId;

/** Where a pipeline reads from. Paths may contain {@code ${partition}}. */
public sealed interface SourceSpec {

  /** Default cap on one record (a line, or a CSV record with its quoted newlines). */
  long DEFAULT_MAX_RECORD_BYTES = 8L * 1024 * 1024;

  /**
   * RFC 4180 CSV. {@code path} resolves against the pipeline file's folder; a {@code .gz} suffix
   * means gzip. An unquoted empty field is NULL; a quoted empty field ("") is the empty string for
   * text columns and NULL for others; {@code nullString}, when set, also reads as NULL.
   */
  record Csv(
      String path,
      boolean header,
      char delimiter,
      char quote,
      Charset encoding,
      String nullString,
      ZoneId timezone,
      long maxRecordBytes)
      implements SourceSpec {}

  /** One JSON object per line; keys are column names. */
  record Jsonl(String path, Charset encoding, ZoneId timezone, long maxRecordBytes) implements SourceSpec {}

  /**
   * A query on any JDBC database (PostgreSQL, MariaDB/MySQL); {@code :partition} is bound as a
   * parameter; results are streamed with {@code fetchSize}. {@code timeout} is the longest keel waits
   * for one answer of the source database (running the query, fetching a batch); connecting and
   * logging in wait at most {@link #CONNECT_TIMEOUT}, or {@code timeout} when that is shorter.
   */
  record Jdbc(Secret url, Secret user, Secret password, String query, int fetchSize, ZoneId timezone, Duration timeout)
      implements SourceSpec {
    public static final Duration DEFAULT_TIMEOUT = Duration.ofMinutes(30);
    public static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(10);

    public Jdbc(Secret url, Secret user, Secret password, String query, int fetchSize, ZoneId timezone) {
      this(url, user, password, query, fetchSize, timezone, DEFAULT_TIMEOUT);
    }

    /** How long connecting and logging in may take. */
    public Duration connectTimeout() {
      return timeout.compareTo(CONNECT_TIMEOUT) < 0 ? timeout : CONNECT_TIMEOUT;
    }
  }
}
