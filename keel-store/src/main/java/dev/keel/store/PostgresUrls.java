package dev.keel.store;

import dev.keel.spec.JdbcUrls;

/**
 * PostgreSQL metadata database URLs: safe timeouts for PgJDBC (it waits forever by default) and the
 * {@code --db} check. They stay here, beside the driver they ask; hiding credentials is keel-core's
 * {@link JdbcUrls}, the one rule every module shows URLs by.
 */
public final class PostgresUrls {
  /** Connect/login timeouts and keep-alive, so a dead database is noticed within a lease. */
  public static final String PG_DEFAULTS =
      "connectTimeout=5&loginTimeout=10&socketTimeout=60&tcpKeepAlive=true";

  private PostgresUrls() {}

  /** The form a metadata database URL takes, for messages. */
  public static final String EXPECTED_FORM =
      "jdbc:postgresql://host:port/db (several hosts for failover:"
          + " jdbc:postgresql://h1:5432,h2:5432/db?targetServerType=primary)";

  /**
   * Why {@code url} is not a PostgreSQL JDBC URL that PgJDBC can use, or null when it is. Checked
   * before connecting, so a typo is bad input (exit 2) rather than "Failed to get driver instance".
   */
  public static String problem(String url) {
    if (url == null || url.isBlank()) {
      return "the URL is empty; expected " + EXPECTED_FORM;
    }
    if (!url.startsWith("jdbc:postgresql:")) {
      return "'"
          + JdbcUrls.redact(url)
          + "' is not a PostgreSQL JDBC URL; expected "
          + EXPECTED_FORM;
    }
    if (org.postgresql.Driver.parseURL(url, null) == null) {
      return "'"
          + JdbcUrls.redact(url)
          + "' is malformed (check the host, the port number and the database name); expected "
          + EXPECTED_FORM;
    }
    return null;
  }

  /** Adds keel's timeouts to a PostgreSQL URL for each one not already given. */
  public static String withTimeouts(String url) {
    if (!url.startsWith("jdbc:postgresql:")) {
      return url;
    }
    StringBuilder out = new StringBuilder(url);
    for (String param : PG_DEFAULTS.split("&")) {
      String key = param.substring(0, param.indexOf('=') + 1);
      if (!url.contains(key)) {
        out.append(out.indexOf("?") < 0 ? '?' : '&').append(param);
      }
    }
    return out.toString();
  }
}
