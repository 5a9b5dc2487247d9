package dev.keel.connectors.jdbc;

import java.time.Duration;
import java.util.Locale;
import java.util.Properties;

/**
 * The timeouts and keep-alive a JDBC source connects with, as driver properties. Drivers wait
 * forever by default (PgJDBC: {@code socketTimeout=0}, {@code loginTimeout=0}), so a server that
 * accepts the connection and never answers would hold a worker, and its task, for good. A value the
 * user wrote in the URL wins: a property is only set when the URL does not name it.
 */
final class JdbcTimeouts {
  private JdbcTimeouts() {}

  /** Adds to {@code props} the defaults for {@code url}'s driver; other drivers get nothing. */
  static void apply(String url, JdbcSpec spec, Properties props) {
    Duration timeout = spec.timeout() == null ? JdbcSpec.DEFAULT_TIMEOUT : spec.timeout();
    Duration connect =
        timeout.compareTo(JdbcSpec.CONNECT_TIMEOUT) < 0 ? timeout : JdbcSpec.CONNECT_TIMEOUT;
    if (url.startsWith("jdbc:postgresql:")) {
      // PgJDBC counts in seconds. loginTimeout bounds connecting and the startup exchange together;
      // cancelSignalTimeout bounds the cancel request sent when an attempt runs out of time.
      setUnlessInUrl(url, props, "connectTimeout", seconds(connect));
      setUnlessInUrl(url, props, "loginTimeout", seconds(connect));
      setUnlessInUrl(url, props, "cancelSignalTimeout", seconds(connect));
      setUnlessInUrl(url, props, "socketTimeout", seconds(timeout));
      setUnlessInUrl(url, props, "tcpKeepAlive", "true");
    } else if (url.startsWith("jdbc:mariadb:") || url.startsWith("jdbc:mysql:")) {
      // MariaDB Connector/J counts in milliseconds; connectTimeout also bounds the handshake.
      setUnlessInUrl(url, props, "connectTimeout", Long.toString(connect.toMillis()));
      setUnlessInUrl(url, props, "socketTimeout", Long.toString(timeout.toMillis()));
      setUnlessInUrl(url, props, "tcpKeepAlive", "true");
    }
  }

  /**
   * The timeout that bounds logging in, as the user will read it: from the URL if written there.
   */
  static String loginLimit(String url, JdbcSpec spec) {
    String written =
        url.startsWith("jdbc:postgresql:")
            ? inUrl(url, "loginTimeout")
            : inUrl(url, "connectTimeout");
    if (written != null) {
      return (url.startsWith("jdbc:postgresql:") ? "loginTimeout=" : "connectTimeout=")
          + written
          + " in the URL";
    }
    Duration t = spec.timeout() == null ? JdbcSpec.DEFAULT_TIMEOUT : spec.timeout();
    Duration c = t.compareTo(JdbcSpec.CONNECT_TIMEOUT) < 0 ? t : JdbcSpec.CONNECT_TIMEOUT;
    return "the login timeout of " + c.toSeconds() + "s";
  }

  /** The timeout that bounds one answer, as the user will read it. */
  static String answerLimit(String url, JdbcSpec spec) {
    String written = inUrl(url, "socketTimeout");
    if (written != null) {
      return "socketTimeout=" + written + " in the URL";
    }
    Duration t = spec.timeout() == null ? JdbcSpec.DEFAULT_TIMEOUT : spec.timeout();
    return "the source's timeout of "
        + t.toSeconds()
        + "s (raise source.jdbc.timeout for longer queries)";
  }

  private static void setUnlessInUrl(String url, Properties props, String key, String value) {
    if (inUrl(url, key) == null && !props.containsKey(key)) {
      props.setProperty(key, value);
    }
  }

  /** The value of parameter {@code key} in the URL's query (case-insensitive), or null. */
  static String inUrl(String url, String key) {
    int q = url.indexOf('?');
    if (q < 0) {
      return null;
    }
    String wanted = key.toLowerCase(Locale.ROOT) + "=";
    for (String param : url.substring(q + 1).split("[&;]")) {
      if (param.toLowerCase(Locale.ROOT).startsWith(wanted)) {
        return param.substring(wanted.length());
      }
    }
    return null;
  }

  private static String seconds(Duration d) {
    return Long.toString(Math.max(1, (d.toMillis() + 999) / 1000));
  }
}
