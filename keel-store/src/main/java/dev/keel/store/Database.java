package dev.keel.store;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import com.zaxxer.hikari.pool.HikariPool;
import dev.keel.spec.JdbcUrls;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.Properties;
import javax.sql.DataSource;

/**
 * A pooled connection to one PostgreSQL database, with transactions as {@code inTransaction(tx ->
 * ...)}. SQLException is translated here, once, into {@link StoreException}.
 */
public final class Database implements AutoCloseable {
  public static final int DEFAULT_POOL_SIZE = 8;

  @FunctionalInterface
  public interface Work<T> {
    T apply(Connection c) throws SQLException;
  }

  private final HikariDataSource dataSource;
  private final String description;

  public Database(String url, String user, String password, int poolSize, String poolName) {
    HikariConfig config = new HikariConfig();
    config.setJdbcUrl(PostgresUrls.withTimeouts(url));
    if (user != null) {
      config.setUsername(user);
    }
    if (password != null) {
      config.setPassword(password);
    }
    config.setMaximumPoolSize(poolSize);
    config.setMinimumIdle(0);
    config.setPoolName(poolName);
    config.setConnectionTimeout(15_000);
    // Fail at once with the driver's own message (refused, wrong password, no such database)
    // instead of waiting out the pool's timeout.
    config.setInitializationFailTimeout(1);
    config.setAutoCommit(true);
    config.setExceptionOverride(new FailoverEviction());
    this.description = JdbcUrls.redact(url);
    try {
      this.dataSource = new HikariDataSource(config);
    } catch (HikariPool.PoolInitializationException e) {
      throw ConnectFailure.of(url, e);
    }
  }

  public DataSource dataSource() {
    return dataSource;
  }

  /**
   * A connection of its own, outside the pool, with the pool's URL and credentials: for a session
   * that must live as long as the process ({@link NodeSession}). The caller closes it.
   */
  Connection openDedicated() throws SQLException {
    Properties credentials = new Properties();
    if (dataSource.getUsername() != null) {
      credentials.setProperty("user", dataSource.getUsername());
    }
    if (dataSource.getPassword() != null) {
      credentials.setProperty("password", dataSource.getPassword());
    }
    // keepalives keep a firewall or NAT from dropping the idle connection as stale
    credentials.setProperty("tcpKeepAlive", "true");
    return DriverManager.getConnection(dataSource.getJdbcUrl(), credentials);
  }

  /** The URL with credentials removed. */
  public String description() {
    return description;
  }

  public <T> T inTransaction(String doing, Work<T> work) {
    try (Connection c = dataSource.getConnection()) {
      c.setAutoCommit(false);
      try {
        T result = work.apply(c);
        c.commit();
        return result;
      } catch (SQLException | RuntimeException e) {
        rollbackQuietly(c, e);
        throw e;
      }
    } catch (SQLException e) {
      throw new StoreException(doing, e);
    }
  }

  public <T> T withConnection(String doing, Work<T> work) {
    try (Connection c = dataSource.getConnection()) {
      return work.apply(c);
    } catch (SQLException e) {
      throw new StoreException(doing, e);
    }
  }

  private static void rollbackQuietly(Connection c, Exception cause) {
    try {
      c.rollback();
    } catch (SQLException e) {
      cause.addSuppressed(e);
    }
  }

  @Override
  public void close() {
    dataSource.close();
  }
}
