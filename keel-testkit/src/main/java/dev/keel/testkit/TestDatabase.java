package dev.keel.testkit;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import javax.sql.DataSource;

/**
 * One real PostgreSQL per test JVM (zonky embedded binaries), shared by the modules' tests; {@link
 * #reset()} empties it between tests. Tests trade durability for speed here (zonky's fsync=off
 * default); keel's own embedded server turns it on.
 */
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
      Runtime.getRuntime()
          .addShutdownHook(
              new Thread(
                  () -> {
                    try {
                      postgres.close();
                    } catch (IOException ignored) {
                      // the JVM is exiting
                    }
                  }));
    }
    return postgres.getJdbcUrl("postgres", "postgres");
  }

  /** The same database as a DataSource (started on first use, as {@link #url()}). */
  public static synchronized DataSource dataSource() {
    url();
    return postgres.getPostgresDatabase();
  }

  /** Drops keel's schemas and everything in public. */
  public static void reset() {
    exec(
        "DROP SCHEMA IF EXISTS keel CASCADE",
        "DROP SCHEMA IF EXISTS keel_sink CASCADE",
        "DROP SCHEMA public CASCADE",
        "CREATE SCHEMA public");
  }

  public static void exec(String... sql) {
    try (Connection c = DriverManager.getConnection(url());
        Statement st = c.createStatement()) {
      for (String s : sql) {
        st.execute(s);
      }
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Each row's columns joined with '|', nulls as "null". */
  public static List<String> rows(String query) {
    try (Connection c = DriverManager.getConnection(url());
        Statement st = c.createStatement();
        ResultSet rs = st.executeQuery(query)) {
      List<String> out = new ArrayList<>();
      int n = rs.getMetaData().getColumnCount();
      while (rs.next()) {
        StringBuilder b = new StringBuilder();
        for (int i = 1; i <= n; i++) {
          b.append(i > 1 ? "|" : "").append(rs.getString(i));
        }
        out.add(b.toString());
      }
      return out;
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The first column of the first row, or null when there is no row. */
  public static String value(String query) {
    try (Connection c = DriverManager.getConnection(url());
        Statement st = c.createStatement();
        ResultSet rs = st.executeQuery(query)) {
      return rs.next() ? rs.getString(1) : null;
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  public static long count(String query) {
    return Long.parseLong(rows(query).get(0));
  }
}
