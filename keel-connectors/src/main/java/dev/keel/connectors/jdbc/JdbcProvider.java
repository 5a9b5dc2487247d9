package dev.keel.connectors.jdbc;

import dev.keel.connector.PipelineContext;
import dev.keel.connector.SourceProvider;
import dev.keel.record.RecordSource;
import dev.keel.spec.Column;
import dev.keel.spec.ConfigSection;
import dev.keel.spec.Secret;
import dev.keel.spec.SourceSpec;
import java.nio.file.Path;
import java.time.Duration;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Set;

/** {@code source: { jdbc: { url, user, password, query, fetch_size, timezone } }}. */
public final class JdbcProvider implements SourceProvider {
  static final int DEFAULT_FETCH_SIZE = 10_000;

  @Override
  public String kind() {
    return JdbcSpec.KIND;
  }

  @Override
  public SourceSpec parse(ConfigSection s, PipelineContext pipeline) {
    s.onlyKeys(Set.of("url", "user", "password", "query", "fetch_size", "timezone", "timeout"));
    Secret url = s.credential("url", true);
    Secret user = s.credential("user", false);
    Secret password = s.credential("password", false);
    String query = s.requiredString("query");
    int fetch = (int) s.integer("fetch_size", DEFAULT_FETCH_SIZE, 1, 1_000_000);
    Duration timeout = s.duration("timeout", JdbcSpec.DEFAULT_TIMEOUT);
    if (timeout.compareTo(Duration.ofSeconds(1)) < 0) {
      s.error(
          "timeout", s.where() + ".timeout must be at least 1s"); // the drivers count in seconds
      timeout = JdbcSpec.DEFAULT_TIMEOUT;
    }
    return new JdbcSpec(
        url, user, password, query, fetch, s.zone("timezone", ZoneOffset.UTC), timeout);
  }

  @Override
  public RecordSource open(
      SourceSpec spec, List<Column> columns, String partition, Path baseDir, String resume) {
    return new JdbcSource((JdbcSpec) spec, columns, partition, resume);
  }

  @Override
  public RecordSource open(
      SourceSpec spec,
      List<Column> columns,
      dev.keel.spec.PartitionRef partition,
      Path baseDir,
      String resume) {
    return new JdbcSource((JdbcSpec) spec, columns, partition, resume);
  }
}
