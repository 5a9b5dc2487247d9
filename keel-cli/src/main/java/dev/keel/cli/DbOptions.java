package dev.keel.cli;

import dev.keel.store.Database;
import dev.keel.store.EmbeddedPostgresServer;
import dev.keel.store.EmbeddedServerRefused;
import dev.keel.store.MetadataStore;
import dev.keel.store.PostgresUrls;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/**
 * {@code --db URL}, else {@code KEEL_DB}, else the embedded PostgreSQL under {@code KEEL_HOME}
 * (default {@code ./.keel}).
 */
public final class DbOptions {
  @Option(
      names = "--db",
      paramLabel = "URL",
      description =
          "JDBC URL of the metadata PostgreSQL (default: $KEEL_DB, else an embedded PostgreSQL under $KEEL_HOME, default ./.keel). Several hosts with targetServerType=primary follow a failover.")
  String db;

  /** An open metadata store and, when embedded, the server behind it; closing stops both. */
  public record Opened(MetadataStore store, EmbeddedPostgresServer embedded)
      implements AutoCloseable {
    @Override
    public void close() {
      store.close();
      if (embedded != null) {
        embedded.close();
      }
    }
  }

  public String url() {
    if (db != null) {
      return db;
    }
    return System.getenv("KEEL_DB");
  }

  public static Path home() {
    String home = System.getenv("KEEL_HOME");
    return Path.of(home == null || home.isBlank() ? ".keel" : home).toAbsolutePath().normalize();
  }

  /**
   * The shared embedded PostgreSQL of {@link #home()}; a server keel must not use is bad input
   * (exit 2).
   */
  static EmbeddedPostgresServer startEmbedded() {
    try {
      return EmbeddedPostgresServer.start(home(), EmbeddedPostgresServer.DEFAULT_LOCK_WAIT);
    } catch (EmbeddedServerRefused e) {
      throw new BadInputException(e.getMessage());
    }
  }

  /** Whether this command uses the embedded PostgreSQL (no --db, no KEEL_DB). */
  public boolean embedded() {
    return url() == null;
  }

  public Opened open(int poolSize) {
    String url = url();
    if (url != null) {
      String problem = PostgresUrls.problem(url);
      if (problem != null) {
        throw new BadInputException((db != null ? "--db: " : "KEEL_DB: ") + problem);
      }
    }
    EmbeddedPostgresServer embedded = null;
    if (url == null) {
      embedded = startEmbedded();
      url = embedded.jdbcUrl();
    }
    try {
      // Flyway holds one connection for its lock and uses another to migrate.
      Database database = new Database(url, null, null, Math.max(poolSize, 3), "keel-metadata");
      return new Opened(MetadataStore.open(database), embedded);
    } catch (RuntimeException e) {
      if (embedded != null) {
        embedded.close();
      }
      throw e;
    }
  }
}
