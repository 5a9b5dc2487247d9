package dev.keel.connectors.postgres;

import dev.keel.KeelException;
import dev.keel.runtime.Sink;
import dev.keel.runtime.SinkSession;
import dev.keel.runtime.TaskRef;
import dev.keel.spec.Column;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.List;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.configuration.FluentConfiguration;
import org.flywaydb.database.postgresql.PostgreSQLConfigurationExtension;

/**
 * A PostgreSQL table as a sink: rows stream into a temporary staging table with COPY, and are
 * published in one transaction that checks the partition's fence and the run's load id first.
 */
public final class PostgresSink implements Sink {
  static final String SCHEMA = "keel_sink";
  private static final String FENCE =
      """
      INSERT INTO keel_sink.fence (target, partition, token) VALUES (?, ?, ?)
      ON CONFLICT (target, partition) DO UPDATE SET token = greatest(fence.token, excluded.token)""";

  private final DataSource dataSource;
  private final PostgresSinkSpec spec;
  private final List<Column> columns;
  private final boolean unique;
  private final boolean laterWins;
  private final TargetTable target;
  private final AutoCloseable owned;

  /** The server start this sink knew last (see {@link #wentAwaySince}); null until prepared. */
  private volatile Object knownStart;

  private final java.util.concurrent.atomic.AtomicLong restarts =
      new java.util.concurrent.atomic.AtomicLong();

  /**
   * @param owned closed with the sink (a pool opened for this sink), or null when shared
   * @param unique reject later duplicates of the key even when the mode is not upsert
   */
  public PostgresSink(
      DataSource dataSource,
      PostgresSinkSpec spec,
      List<Column> columns,
      boolean unique,
      AutoCloseable owned) {
    this(dataSource, spec, columns, unique, false, owned);
  }

  /**
   * @param laterWins within one batch, a key's later record replaces its earlier ones instead of
   *     being rejected (the load stage of a buffered pipeline: a key extracted twice while the sink
   *     was down has both versions in one batch, in the order they were extracted)
   */
  public PostgresSink(
      DataSource dataSource,
      PostgresSinkSpec spec,
      List<Column> columns,
      boolean unique,
      boolean laterWins,
      AutoCloseable owned) {
    this.dataSource = dataSource;
    this.spec = spec;
    this.columns = columns;
    this.unique = unique;
    this.laterWins = laterWins;
    this.target = new TargetTable(spec, columns);
    this.owned = owned;
  }

  /**
   * Each sink migration and its schema-history row in one transaction on one connection (as the
   * metadata store does, see MetadataStore): Flyway's PostgreSQL default runs the migration and
   * records it on two connections, so a node killed between the two commits left the change applied
   * but unrecorded, and every later claim of the pipeline failed on it.
   */
  private static FluentConfiguration oneConnection() {
    FluentConfiguration config = Flyway.configure();
    config
        .getConfigurationExtension(PostgreSQLConfigurationExtension.class)
        .setTransactionalLock(false);
    return config;
  }

  @Override
  public void prepare() {
    oneConnection()
        .dataSource(dataSource)
        .schemas(SCHEMA)
        .createSchemas(true)
        .table("sink_schema_history")
        .locations("classpath:db/sink")
        .load()
        .migrate();
    try (Connection c = dataSource.getConnection()) {
      target.createOrCheck(c);
      try (PreparedStatement ps = c.prepareStatement("SELECT pg_postmaster_start_time()");
          java.sql.ResultSet rs = ps.executeQuery()) {
        rs.next();
        knownStart = rs.getObject(1);
      }
    } catch (SQLException e) {
      throw new KeelException(
          "preparing target table " + target.name() + " failed: " + e.getMessage(), e);
    }
  }

  /**
   * Asks the server when it started ({@code pg_postmaster_start_time()}): a start other than the
   * one this sink knew is a restart (counted once, by whichever failed attempt asks first); no
   * answer means the server is away. Comparing the server's own start times needs no clock of this
   * node.
   */
  @Override
  public long restarts() {
    return restarts.get();
  }

  @Override
  public synchronized boolean wentAwaySince(long restartsBefore) {
    Object start;
    try {
      start = serverStart();
    } catch (SQLException e) {
      return true;
    }
    if (knownStart != null && !knownStart.equals(start)) {
      restarts.incrementAndGet();
    }
    knownStart = start;
    return restarts.get() != restartsBefore;
  }

  private Object serverStart() throws SQLException {
    try (Connection c = dataSource.getConnection();
        PreparedStatement ps = c.prepareStatement("SELECT pg_postmaster_start_time()");
        java.sql.ResultSet rs = ps.executeQuery()) {
      rs.next();
      return rs.getObject(1);
    }
  }

  /**
   * {@code system_identifier/timeline}: the timeline is the first 8 hex digits of the current WAL
   * file's name, which moves on the moment a standby is promoted (the checkpoint's timeline in
   * {@code pg_control_checkpoint()} lags until the next checkpoint). Null on a standby.
   */
  @Override
  public String serverIdentity() {
    try (Connection c = dataSource.getConnection();
        PreparedStatement ps =
            c.prepareStatement(
                """
                SELECT CASE WHEN pg_is_in_recovery() THEN NULL
                  ELSE (SELECT system_identifier FROM pg_control_system())::text || '/'
                       || substr(pg_walfile_name(pg_current_wal_lsn()), 1, 8) END""");
        java.sql.ResultSet rs = ps.executeQuery()) {
      rs.next();
      return rs.getString(1);
    } catch (SQLException e) {
      return null;
    }
  }

  @Override
  public java.util.Set<String> missingLoads(java.util.Collection<String> loadIds) {
    if (loadIds.isEmpty()) {
      return java.util.Set.of();
    }
    try (Connection c = dataSource.getConnection();
        PreparedStatement ps =
            c.prepareStatement(
                "SELECT x FROM unnest(?::text[]) x"
                    + " WHERE NOT EXISTS (SELECT 1 FROM keel_sink.load l WHERE l.load_id = x)")) {
      ps.setArray(1, c.createArrayOf("text", loadIds.toArray()));
      java.util.Set<String> out = new java.util.HashSet<>();
      try (java.sql.ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          out.add(rs.getString(1));
        }
      }
      return out;
    } catch (SQLException e) {
      if ("42P01".equals(e.getSQLState())) {
        // No keel_sink.load on this server at all: nothing published here survived.
        return new java.util.HashSet<>(loadIds);
      }
      throw new KeelException(
          "checking the load records of " + target.name() + " failed: " + e.getMessage(), e);
    }
  }

  @Override
  public java.util.Map<String, String> storedPositions(String stream) {
    try (Connection c = dataSource.getConnection();
        PreparedStatement ps =
            c.prepareStatement(
                "SELECT partition, position FROM keel_sink.source_position"
                    + " WHERE target = ? AND stream = ?")) {
      ps.setString(1, target.name());
      ps.setString(2, stream);
      java.util.Map<String, String> out = new java.util.HashMap<>();
      try (java.sql.ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          out.put(rs.getString(1), rs.getString(2));
        }
      }
      return out;
    } catch (SQLException e) {
      if ("42P01".equals(e.getSQLState())) {
        return java.util.Map.of(); // nothing published here yet
      }
      throw new KeelException(
          "reading the stored positions of " + target.name() + " failed: " + e.getMessage(), e);
    }
  }

  @Override
  public void fence(String partition, long fence) {
    try (Connection c = dataSource.getConnection();
        PreparedStatement ps = c.prepareStatement(FENCE)) {
      ps.setString(1, target.name());
      ps.setString(2, partition);
      ps.setLong(3, fence);
      ps.executeUpdate();
    } catch (SQLException e) {
      throw new KeelException(
          "recording the fence of "
              + target.name()
              + "/"
              + partition
              + " failed: "
              + e.getMessage(),
          e);
    }
  }

  @Override
  public SinkSession begin(TaskRef task) {
    return new PostgresSinkSession(dataSource, spec, columns, unique, laterWins, target, task);
  }

  @Override
  public java.util.Optional<dev.keel.runtime.LoadHistory> history() {
    if (spec.keepVersions() == 0) {
      return java.util.Optional.empty();
    }
    return java.util.Optional.of(new PostgresLoadHistory(dataSource, spec, columns, target));
  }

  @Override
  public void close() {
    if (owned != null) {
      try {
        owned.close();
      } catch (Exception e) {
        throw new KeelException("closing the sink connection failed: " + e.getMessage(), e);
      }
    }
  }
}
