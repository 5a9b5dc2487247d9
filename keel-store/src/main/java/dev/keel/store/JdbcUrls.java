package dev.keel.store;

import java.util.regex.Pattern;

/**
 * JDBC URL handling: safe timeouts for PgJDBC (it waits forever by default) and a form with
 * credentials removed, for logs and messages.
 */
public final class JdbcUrls {
  /** Connect/login timeouts and keep-alive, so a dead database is noticed within a lease. */
  public static final String PG_DEFAULTS = "connectTimeout=5&loginTimeout=10&socketTimeout=60&tcpKeepAlive=true";
  private static final Pattern USERINFO = Pattern.compile("//[^/@?]*@");
  private static final Pattern SECRET_PARAMS = Pattern.compile("(?i)(password|user|sslpassword|sslkey)=[^&;]*");

  private JdbcUrls() {}

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

  /** The URL without user, password or other secret parameters. */
  public static String redact(String url) {
    if (url == null) {
      return null;
    }
    String s = USERINFO.matcher(url).replaceAll("//***@");
    return SECRET_PARAMS.matcher(s).replaceAll("$1=***");
  }
}
