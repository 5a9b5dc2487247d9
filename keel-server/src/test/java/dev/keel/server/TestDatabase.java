package dev.keel.server;

import dev.keel.store.Database;
import dev.keel.store.MetadataStore;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/** One real PostgreSQL per test JVM (zonky embedded binaries); {@link #fresh()} gives a migrated, empty keel schema. */
public final class TestDatabase {
  private static EmbeddedPostgres postgres;

  private TestDatabase() {}

  public static synchronized String url() {
    if (postgres == null) {
      try {
        postgres = EmbeddedPostgres.builder().start();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      Runtime.getRuntime().addShutdownHook(new Thread(() -> {
        try {
          postgres.close();
        } catch (IOException ignored) {
          // the JVM is exiting
        }
      }));
    }
    return postgres.getJdbcUrl("postgres", "postgres");
  }

  /** Drops keel's schema and opens a freshly migrated store. */
  public static MetadataStore fresh() {
    exec("DROP SCHEMA IF EXISTS keel CASCADE");
    return MetadataStore.open(new Database(url(), null, null, 6, "test-metadata"));
  }

  public static void exec(String... sql) {
    try (Connection c = DriverManager.getConnection(url()); Statement st = c.createStatement()) {
      for (String s : sql) {
        st.execute(s);
      }
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  public static String value(String query) {
    try (Connection c = DriverManager.getConnection(url()); Statement st = c.createStatement(); ResultSet rs = st.executeQuery(query)) {
      return rs.next() ? rs.getString(1) : null;
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }
}
