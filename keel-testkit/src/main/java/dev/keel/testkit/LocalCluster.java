package dev.keel.testkit;

import dev.keel.chaos.LocalPostgres;
import dev.keel.chaos.NodeProcess;
import dev.keel.chaos.Sql;
import java.io.IOException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/**
 * A PostgreSQL of its own (zonky's embedded binaries, in a temporary folder) and any number of real
 * {@code keel node} processes on it: what the multi-process tests and the benchmark scripts run.
 */
public final class LocalCluster implements AutoCloseable {
  private final LocalPostgres postgres;
  private final Path logDir;
  private final List<NodeProcess> nodes = new ArrayList<>();

  /** The database's URL when it is not this cluster's own PostgreSQL ({@link #on}). */
  private String externalUrl;

  private LocalCluster(LocalPostgres postgres, Path logDir) {
    this.postgres = postgres;
    this.logDir = logDir;
  }

  /**
   * A cluster whose PostgreSQL can be stopped and started again ({@link #restartDatabase}) on its
   * data folder and port.
   */
  public static LocalCluster startRestartable(Path logDir, Path dataDir) throws IOException {
    return new LocalCluster(LocalPostgres.start(dataDir, false), logDir);
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
    postgres.stop();
  }

  /** Starts PostgreSQL again on the data and port it had before {@link #stopDatabase}. */
  public void startDatabase() throws IOException {
    postgres.start();
  }

  /**
   * @param durable fsync and synchronous commit on (benchmarks), or off (tests)
   */
  public static LocalCluster start(Path logDir, boolean durable) throws IOException {
    return new LocalCluster(LocalPostgres.start(null, durable), logDir);
  }

  /**
   * Nodes on a PostgreSQL the caller started and closes (a {@link ReplicatedDatabase}'s multi-host
   * URL, say).
   */
  public static LocalCluster on(String url, Path logDir) {
    LocalCluster c = new LocalCluster(null, logDir);
    c.externalUrl = url;
    return c;
  }

  public String url() {
    if (externalUrl != null) {
      return externalUrl;
    }
    return postgres.url();
  }

  /** Starts {@code keel node --db URL --node-id ID args...}. */
  public NodeProcess node(String id, String... args) throws IOException {
    List<String> keel = new ArrayList<>(List.of("node", "--db", url(), "--node-id", id));
    keel.addAll(List.of(args));
    NodeProcess n = NodeProcess.start(id, logDir, keel);
    nodes.add(n);
    return n;
  }

  /**
   * Starts {@code keel node --db URL --node-id ID args...} reaching the database at {@code url}
   * (e.g. through a fault-injecting proxy) instead of directly.
   */
  public NodeProcess nodeVia(String id, String url, String... args) throws IOException {
    List<String> keel = new ArrayList<>(List.of("node", "--db", url, "--node-id", id));
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

  /**
   * Waits until at least {@code n} nodes are alive and heartbeated within the last 3 s, or throws
   * after {@code within} (the benchmarks' start; tests use Awaitility).
   */
  public void awaitNodesAlive(int n, java.time.Duration within) throws InterruptedException {
    long deadline = System.nanoTime() + within.toNanos();
    while (true) {
      try {
        if (scalar(
                "SELECT count(*) FROM keel.node WHERE state = 'alive' AND heartbeat_at > now() - interval '3 seconds'")
            >= n) {
          return;
        }
      } catch (SQLException e) {
        // schema not created yet
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException(n + " nodes did not come up within " + within);
      }
      Thread.sleep(200);
    }
  }

  public long scalar(String sql, Object... params) throws SQLException {
    return new Sql(url()).scalar(sql, params);
  }

  public List<List<String>> rows(String sql, Object... params) throws SQLException {
    return new Sql(url()).rows(sql, params);
  }

  public void execute(String sql) throws SQLException {
    new Sql(url()).execute(sql);
  }

  @Override
  public void close() throws IOException {
    nodes.forEach(NodeProcess::close);
    if (postgres != null) {
      postgres.close();
    }
  }
}
