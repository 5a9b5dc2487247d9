package dev.keel.testkit;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/**
 * A PostgreSQL of its own (zonky's embedded binaries, in a temporary folder) and any number of real
 * {@code keel node} processes on it: what the multi-process tests and the benchmark scripts run.
 */
public final class LocalCluster implements AutoCloseable {
  private EmbeddedPostgres postgres;
  private final Path logDir;
  private final Path dataDir;
  private final List<NodeProcess> nodes = new ArrayList<>();
  private int port;

  /** The database's URL when it is not this cluster's own PostgreSQL ({@link #on}). */
  private String externalUrl;

  private LocalCluster(EmbeddedPostgres postgres, Path logDir, Path dataDir) {
    this.postgres = postgres;
    this.logDir = logDir;
    this.dataDir = dataDir;
  }

  /**
   * A cluster whose PostgreSQL can be stopped and started again ({@link #restartDatabase}) on its
   * data folder and port.
   */
  public static LocalCluster startRestartable(Path logDir, Path dataDir) throws IOException {
    EmbeddedPostgres pg =
        EmbeddedPostgres.builder()
            .setServerConfig("max_connections", "300")
            .setDataDirectory(dataDir)
            .setCleanDataDirectory(false)
            .start();
    return new LocalCluster(pg, logDir, dataDir);
  }

  /**
   * Stops PostgreSQL (every connection breaks), waits {@code down}, and starts it again on the same
   * data and port.
   */
  public void restartDatabase(java.time.Duration down) throws IOException, InterruptedException {
    restartDatabase(down, () -> {});
  }

  /** What a test does while the database is down. */
  public interface WhileDown {
    void run() throws IOException, InterruptedException;
  }

  /** The same, doing {@code whileDown} (killing a node, say) once the database is stopped. */
  public void restartDatabase(java.time.Duration down, WhileDown whileDown)
      throws IOException, InterruptedException {
    stopDatabase();
    long back = System.nanoTime() + down.toNanos();
    whileDown.run();
    Thread.sleep(
        Math.max(
            0,
            (back - System.nanoTime()) / 1_000_000)); // the outage itself, not a wait for something
    startDatabase();
  }

  /**
   * Stops PostgreSQL (fast shutdown: every connection breaks); {@link #startDatabase} brings it
   * back.
   */
  public void stopDatabase() throws IOException {
    if (dataDir == null) {
      throw new IllegalStateException(
          "start the cluster with startRestartable to restart its database");
    }
    port = postgres.getPort();
    postgres.close();
  }

  /** Starts PostgreSQL again on the data and port it had before {@link #stopDatabase}. */
  public void startDatabase() throws IOException {
    postgres =
        EmbeddedPostgres.builder()
            .setServerConfig("max_connections", "300")
            .setDataDirectory(dataDir)
            .setCleanDataDirectory(false)
            .setPort(port)
            .start();
  }

  /**
   * @param durable fsync and synchronous commit on (benchmarks), or off (tests)
   */
  public static LocalCluster start(Path logDir, boolean durable) throws IOException {
    EmbeddedPostgres.Builder b =
        EmbeddedPostgres.builder().setServerConfig("max_connections", "300");
    if (durable) {
      b.setServerConfig("fsync", "on")
          .setServerConfig("synchronous_commit", "on")
          .setServerConfig("full_page_writes", "on");
    }
    return new LocalCluster(b.start(), logDir, null);
  }

  /**
   * Nodes on a PostgreSQL the caller started and closes (a {@link ReplicatedDatabase}'s multi-host
   * URL, say).
   */
  public static LocalCluster on(String url, Path logDir) {
    LocalCluster c = new LocalCluster(null, logDir, null);
    c.externalUrl = url;
    return c;
  }

  public String url() {
    if (externalUrl != null) {
      return externalUrl;
    }
    return postgres.getJdbcUrl("postgres", "postgres");
  }

  /** Starts {@code keel node --db URL --node-id ID args...}. */
  public NodeProcess node(String id, String... args) throws IOException {
    List<String> keel = new ArrayList<>(List.of("node", "--db", url(), "--node-id", id));
    keel.addAll(List.of(args));
    NodeProcess n = NodeProcess.start(id, logDir, keel);
    nodes.add(n);
    return n;
  }

  public List<NodeProcess> nodes() {
    return List.copyOf(nodes);
  }

  public Connection connect() throws SQLException {
    return DriverManager.getConnection(url());
  }

  public long scalar(String sql, Object... params) throws SQLException {
    try (Connection c = connect();
        PreparedStatement ps = c.prepareStatement(sql)) {
      for (int i = 0; i < params.length; i++) {
        ps.setObject(i + 1, params[i]);
      }
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        return rs.getLong(1);
      }
    }
  }

  public List<List<String>> rows(String sql, Object... params) throws SQLException {
    try (Connection c = connect();
        PreparedStatement ps = c.prepareStatement(sql)) {
      for (int i = 0; i < params.length; i++) {
        ps.setObject(i + 1, params[i]);
      }
      List<List<String>> out = new ArrayList<>();
      try (ResultSet rs = ps.executeQuery()) {
        int n = rs.getMetaData().getColumnCount();
        while (rs.next()) {
          List<String> row = new ArrayList<>();
          for (int i = 1; i <= n; i++) {
            row.add(rs.getString(i));
          }
          out.add(row);
        }
      }
      return out;
    }
  }

  public void execute(String sql) throws SQLException {
    try (Connection c = connect();
        var st = c.createStatement()) {
      st.execute(sql);
    }
  }

  @Override
  public void close() throws IOException {
    nodes.forEach(NodeProcess::close);
    if (postgres != null) {
      postgres.close();
    }
  }
}
