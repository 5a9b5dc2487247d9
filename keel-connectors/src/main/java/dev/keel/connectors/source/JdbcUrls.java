package dev.keel.connectors.source;

import java.util.regex.Pattern;

/**
 * JDBC URLs made safe to show: no user info, no user/password/sslpassword parameters. A value the
 * URL got from a reference is masked anyway ({@code Redactor}); this covers a whole URL referenced
 * as one value, whose parameters are not registered one by one.
 */
final class JdbcUrls {
  private static final Pattern USER_INFO = Pattern.compile("//[^/?#@]*@");
  private static final String CREDENTIAL = "(?i)(password|user|username|pwd|passwd|sslpassword)=.*";
  private static final Pattern SEMICOLON_CREDENTIALS =
      Pattern.compile("(?i);(password|user|username|pwd|passwd|sslpassword)=[^;]*");

  private JdbcUrls() {}

  /** The URL with {@code user:password@} and {@code user=}/{@code password=}/{@code sslpassword=} parameters removed. */
  static String describe(String url) {
    String safe = USER_INFO.matcher(url).replaceAll("//");
    safe = SEMICOLON_CREDENTIALS.matcher(safe).replaceAll("");
    int q = safe.indexOf('?');
    if (q < 0) {
      return safe;
    }
    StringBuilder kept = new StringBuilder();
    for (String param : safe.substring(q + 1).split("&")) {
      if (!param.isEmpty() && !param.matches(CREDENTIAL)) {
        kept.append(kept.isEmpty() ? "?" : "&").append(param);
      }
    }
    return safe.substring(0, q) + kept;
  }

  /** The host and port (or hosts and ports) a URL names, without credentials, e.g. "127.0.0.1:5432". */
  static String server(String url) {
    String safe = USER_INFO.matcher(url).replaceAll("//");
    int start = safe.indexOf("//");
    if (start < 0) {
      return describe(url);
    }
    int end = start + 2;
    while (end < safe.length() && "/?#;".indexOf(safe.charAt(end)) < 0) {
      end++;
    }
    return safe.substring(start + 2, end);
  }

  /**
   * {@code text} with every secret replaced by {@code ***}: a driver's message may echo the URL it
   * was given, and the URL may carry the password.
   */
  static String redact(String text, String url, String... secrets) {
    if (text == null) {
      return "";
    }
    String out = text.replace(url, describe(url));
    for (String secret : secrets) {
      if (secret != null && !secret.isEmpty()) {
        out = out.replace(secret, "***");
      }
    }
    return out;
  }
}
