package dev.keel.spec;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * JDBC URLs made safe to show, with one rule for what a credential is: the user info of {@code
 * //user:password@host} and the parameters named in {@link #CREDENTIALS}, in either the {@code
 * ?a=b&c=d} or the {@code ;a=b} style, any case. Two forms apply that rule:
 *
 * <ul>
 *   <li>{@link #redact(String)} masks credentials in place, in any text (an error message may quote
 *       a URL among other words), so the reader still sees that one was there;
 *   <li>{@link #describe(String)} removes them from a URL that names an endpoint, so a source is
 *       shown as {@code jdbc:postgresql://db/shop?ssl=true}.
 * </ul>
 *
 * A value a URL got from a {@code ${env:…}} reference is masked anyway ({@link Redactor}); this
 * covers literal credentials and a whole URL referenced as one value, whose parameters are not
 * registered one by one. The PostgreSQL-only checks (timeouts, the {@code --db} form) stay in
 * keel-store's {@code PostgresUrls}, next to the driver they ask.
 */
public final class JdbcUrls {
  /** Parameter names whose value is a credential. */
  public static final String CREDENTIALS = "password|passwd|pwd|user|username|sslpassword|sslkey";

  private static final Pattern USER_INFO = Pattern.compile("//[^/?@]*@");

  /**
   * No left boundary and up to the next {@code &} or {@code ;} on purpose: in free text, masking
   * {@code superuser=x} or the rest of a sentence costs less than showing a password.
   */
  private static final Pattern CREDENTIAL_IN_TEXT =
      Pattern.compile("(?i)(" + CREDENTIALS + ")=[^&;]*");

  private static final Pattern CREDENTIAL_PARAM = Pattern.compile("(?i)(" + CREDENTIALS + ")=.*");
  private static final Pattern SEMICOLON_CREDENTIALS =
      Pattern.compile("(?i);(" + CREDENTIALS + ")=[^;]*");

  private JdbcUrls() {}

  /**
   * {@code text} with user info shown as {@code //***@} and each credential's value as {@code ***};
   * null stays null.
   */
  public static String redact(String text) {
    if (text == null) {
      return null;
    }
    String s = USER_INFO.matcher(text).replaceAll("//" + Redactor.MASK + "@");
    return CREDENTIAL_IN_TEXT
        .matcher(s)
        .replaceAll("$1=" + Matcher.quoteReplacement(Redactor.MASK));
  }

  /** The URL with its user info and credential parameters removed. */
  public static String describe(String url) {
    String safe = USER_INFO.matcher(url).replaceAll("//");
    safe = SEMICOLON_CREDENTIALS.matcher(safe).replaceAll("");
    int q = safe.indexOf('?');
    if (q < 0) {
      return safe;
    }
    StringBuilder kept = new StringBuilder();
    for (String param : safe.substring(q + 1).split("&")) {
      if (!param.isEmpty() && !CREDENTIAL_PARAM.matcher(param).matches()) {
        kept.append(kept.isEmpty() ? "?" : "&").append(param);
      }
    }
    return safe.substring(0, q) + kept;
  }

  /**
   * The host and port (or hosts and ports) a URL names, without credentials, e.g. "127.0.0.1:5432".
   */
  public static String server(String url) {
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
   * {@code text} with {@code url} described and every secret replaced by {@code ***}: a driver's
   * message may echo the URL it was given, and the URL may carry the password.
   */
  public static String redact(String text, String url, String... secrets) {
    if (text == null) {
      return "";
    }
    String out = text.replace(url, describe(url));
    for (String secret : secrets) {
      if (secret != null && !secret.isEmpty()) {
        out = out.replace(secret, Redactor.MASK);
      }
    }
    return out;
  }
}
