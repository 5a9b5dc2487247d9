package dev.keel.chaos;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.nio.file.Path;

/**
 * A PostgreSQL of its own (zonky's embedded binaries) that can be stopped and started again on the
 * same data folder and port: every connection breaks, nothing committed is lost. What {@code keel
 * chaos} restarts, and what the multi-process tests run their nodes on.
 */
public final class LocalPostgres implements AutoCloseable {
  private static final String MAX_CONNECTIONS = "300";

  private final Path dataDir;
  private final boolean durable;
  private final int port;
  private EmbeddedPostgres postgres;

  private LocalPostgres(Path dataDir, boolean durable, EmbeddedPostgres postgres) {
    this.dataDir = dataDir;
    this.durable = durable;
    this.postgres = postgres;
    this.port = postgres.getPort();
  }

  /**
   * Starts a server. With a {@code dataDir} it can be restarted ({@link #stop}, {@link #start});
   * without one its data lives in a temporary folder until {@link #close}.
   *
   * @param durable fsync and synchronous commit on (benchmarks, keel chaos), or off (tests)
   */
  public static LocalPostgres start(Path dataDir, boolean durable) throws IOException {
    return new LocalPostgres(dataDir, durable, builder(dataDir, durable).start());
  }

  private static EmbeddedPostgres.Builder builder(Path dataDir, boolean durable) {
    EmbeddedPostgres.Builder b =
        EmbeddedPostgres.builder().setServerConfig("max_connections", MAX_CONNECTIONS);
    if (durable) {
      b.setServerConfig("fsync", "on")
          .setServerConfig("synchronous_commit", "on")
          .setServerConfig("full_page_writes", "on");
    }
    if (dataDir != null) {
      b.setDataDirectory(dataDir).setCleanDataDirectory(false);
    }
    return b;
  }

  public String url() {
    return "jdbc:postgresql://localhost:" + port + "/postgres?user=postgres";
  }

  public int port() {
    return port;
  }

  public boolean running() {
    return postgres != null;
  }

  /** Stops the server (fast shutdown: every connection breaks); {@link #start} brings it back. */
  public synchronized void stop() throws IOException {
    if (dataDir == null) {
      throw new IllegalStateException("a PostgreSQL started without a data folder cannot restart");
    }
    if (postgres != null) {
      postgres.close();
      postgres = null;
    }
  }

  /** Starts the server again on the data and port it had. */
  public synchronized void start() throws IOException {
    if (postgres == null) {
      postgres = builder(dataDir, durable).setPort(port).start();
    }
  }

  @Override
  public synchronized void close() throws IOException {
    if (postgres != null) {
      postgres.close();
      postgres = null;
    }
  }
}
