package dev.keel.connectors.source;

import dev.keel.spec.Secret;
import dev.keel.spec.SourceSpec;
import java.time.ZoneId;

/**
 * A query on any JDBC database (PostgreSQL, MariaDB/MySQL); {@code :partition} is bound as a
 * parameter; results are streamed with {@code fetchSize}.
 */
public record JdbcSpec(Secret url, Secret user, Secret password, String query, int fetchSize, ZoneId timezone)
    implements SourceSpec {
  public static final String KIND = "jdbc";

  @Override
  public String kind() {
    return KIND;
  }
}
