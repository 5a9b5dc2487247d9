package dev.keel.store;

import dev.keel.spec.JdbcUrls;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.sql.SQLException;
import java.util.Properties;

/**
 * The message for a database keel could not connect to: which host, port and database, and what
 * failed (unknown host, refused, timed out, rejected), instead of the pool's exception text. The
 * cause stays attached, so the failure is still classified (a refused connection is transient).
 */
final class ConnectFailure {
  private ConnectFailure() {}

  static StoreException of(String url, Throwable error) {
    SQLException sql = rootSql(error);
    return new StoreException(
        "cannot connect to the database at " + where(url) + ": " + what(error),
        sql != null ? sql : error);
  }

  /** {@code host:port/db}, several hosts comma-separated, as PgJDBC reads them from the URL. */
  static String where(String url) {
    Properties p = url == null ? null : org.postgresql.Driver.parseURL(url, null);
    if (p == null) {
      return JdbcUrls.redact(url);
    }
    String[] hosts = p.getProperty("PGHOST", "localhost").split(",");
    String[] ports = p.getProperty("PGPORT", "5432").split(",");
    StringBuilder out = new StringBuilder();
    for (int i = 0; i < hosts.length; i++) {
      out.append(i == 0 ? "" : ",")
          .append(hosts[i])
          .append(':')
          .append(i < ports.length ? ports[i] : ports[ports.length - 1]);
    }
    return out.append('/').append(p.getProperty("PGDBNAME", "")).toString();
  }

  private static String what(Throwable error) {
    for (Throwable t = error; t != null; t = t.getCause()) {
      if (t instanceof UnknownHostException u) {
        return "unknown host " + u.getMessage() + "; check the host name in the URL";
      }
      if (t instanceof ConnectException || t instanceof NoRouteToHostException) {
        return "connection refused or unreachable; check that PostgreSQL is running there and accepts TCP/IP connections";
      }
      if (t instanceof SocketTimeoutException) {
        return "timed out; check the host, the port and any firewall between";
      }
    }
    SQLException sql = rootSql(error);
    if (sql != null) {
      return sql.getMessage()
          + (sql.getSQLState() == null ? "" : " (SQLSTATE " + sql.getSQLState() + ")");
    }
    return error.getMessage();
  }

  private static SQLException rootSql(Throwable error) {
    for (Throwable t = error; t != null; t = t.getCause()) {
      if (t instanceof SQLException sql) {
        return sql;
      }
    }
    return null;
  }
}
