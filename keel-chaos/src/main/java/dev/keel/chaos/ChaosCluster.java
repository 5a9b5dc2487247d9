package dev.keel.chaos;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What {@code keel chaos} runs and breaks: {@code keel node} processes that reach their database
 * through a {@link CutProxy}, and, when no database was given, the {@link LocalPostgres} it
 * started. The controller itself talks to the database directly, so its reads survive a cut.
 */
public final class ChaosCluster implements AutoCloseable {
  private final LocalPostgres postgres;
  private final String url;
  private final CutProxy proxy;
  private final Path pipelines;
  private final Path logs;
  private final Duration lease;
  private final Map<String, NodeProcess> nodes = new LinkedHashMap<>();

  /** Ctrl-C on keel chaos must not leave node processes or a PostgreSQL behind. */
  private final Thread onExit = new Thread(this::abandon, "keel-chaos-exit");

  private ChaosCluster(
      LocalPostgres postgres,
      String url,
      CutProxy proxy,
      Path pipelines,
      Path logs,
      Duration lease) {
    this.postgres = postgres;
    this.url = url;
    this.proxy = proxy;
    this.pipelines = pipelines;
    this.logs = logs;
    this.lease = lease;
    Runtime.getRuntime().addShutdownHook(onExit);
  }

  /** The JVM is exiting before {@link #close}: kill what was started, without waiting. */
  private synchronized void abandon() {
    nodes.values().forEach(NodeProcess::close);
    proxy.close();
    if (postgres != null) {
      try {
        postgres.close();
      } catch (IOException ignored) {
        // the JVM is exiting
      }
    }
  }

  /**
   * @param postgres the database keel chaos owns (it may restart it), or null for {@code url}'s
   */
  public static ChaosCluster open(
      LocalPostgres postgres, String url, Path pipelines, Path logs, Duration lease)
      throws IOException {
    return new ChaosCluster(postgres, url, CutProxy.forJdbcUrl(url), pipelines, logs, lease);
  }

  public Sql sql() {
    return new Sql(url);
  }

  public boolean ownsDatabase() {
    return postgres != null;
  }

  public Duration lease() {
    return lease;
  }

  public List<String> nodeIds() {
    return new ArrayList<>(nodes.keySet());
  }

  public NodeProcess node(String id) {
    return nodes.get(id);
  }

  /**
   * Starts (or replaces) node {@code id}. The URL travels in {@code KEEL_DB}, not on the command
   * line, where any user of the machine could read a password in it.
   */
  public synchronized NodeProcess startNode(String id) throws IOException {
    Duration heartbeat = lease.dividedBy(3);
    NodeProcess n =
        NodeProcess.start(
            id,
            logs,
            List.of(
                "node",
                "--node-id",
                id,
                "--pipelines",
                pipelines.toString(),
                "--workers",
                "2",
                "--lease",
                lease.toMillis() + "ms",
                "--heartbeat",
                heartbeat.toMillis() + "ms",
                "--poll",
                "200ms",
                "--drain-timeout",
                "10s"),
            Map.of("KEEL_DB", proxy.jdbcUrl(url)));
    nodes.put(id, n);
    return n;
  }

  /** kill -9 node {@code id} and start a replacement under the same id. */
  public void killAndReplace(String id) throws IOException, InterruptedException {
    nodes.get(id).kill9();
    startNode(id);
  }

  public void freeze(String id) throws IOException, InterruptedException {
    nodes.get(id).pause();
  }

  public void thaw(String id) throws IOException, InterruptedException {
    nodes.get(id).resume();
  }

  public void cut() {
    proxy.cut();
  }

  public void restore() {
    proxy.restore();
  }

  public void stopDatabase() throws IOException {
    postgres.stop();
  }

  public void startDatabase() throws IOException {
    postgres.start();
  }

  /** SIGTERM every node (they drain), then stops the proxy and the database keel chaos owns. */
  @Override
  public void close() throws IOException {
    try {
      Runtime.getRuntime().removeShutdownHook(onExit);
    } catch (IllegalStateException exiting) {
      return; // the hook runs
    }
    for (NodeProcess n : nodes.values()) {
      try {
        if (n.isAlive() && n.terminate(30) < 0) {
          n.close();
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        n.close();
      }
    }
    proxy.close();
    if (postgres != null) {
      postgres.close();
    }
  }
}
