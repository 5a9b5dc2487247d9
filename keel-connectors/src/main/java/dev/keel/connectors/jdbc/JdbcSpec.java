package dev.keel.connectors.jdbc;

import dev.keel.spec.Secret;
import dev.keel.spec.SourceSpec;
import java.time.Duration;
import java.time.ZoneId;

/**
 * A query on any JDBC database (PostgreSQL, MariaDB/MySQL); {@code :partition} is bound as a
 * parameter; results are streamed with {@code fetchSize}. {@code timeout} is the longest keel waits
 * for one answer of the source database (running the query, fetching a batch); connecting and
 * logging in wait at most {@link #CONNECT_TIMEOUT}, or {@code timeout} when that is shorter.
 */
public record JdbcSpec(
    Secret url,
    Secret user,
    Secret password,
    String query,
    int fetchSize,
    ZoneId timezone,
    Duration timeout)
    implements SourceSpec {
  public static final String KIND = "jdbc";
  public static final Duration DEFAULT_TIMEOUT = Duration.ofMinutes(30);
  public static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(10);

  public JdbcSpec(
      Secret url, Secret user, Secret password, String query, int fetchSize, ZoneId timezone) {
    this(url, user, password, query, fetchSize, timezone, DEFAULT_TIMEOUT);
  }

  /** How long connecting and logging in may take. */
  public Duration connectTimeout() {
    return timeout.compareTo(CONNECT_TIMEOUT) < 0 ? timeout : CONNECT_TIMEOUT;
  }

  @Override
  public String kind() {
    return KIND;
  }
}
