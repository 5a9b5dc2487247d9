package dev.keel.server.api;

import io.javalin.http.Context;
import io.javalin.http.Cookie;
import io.javalin.http.SameSite;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.Optional;

/**
 * The web UI's sign-in: the API token the operator typed, kept in an HttpOnly, SameSite=Strict
 * cookie, checked against {@code keel.api_token} on every request like a bearer token. Nothing is
 * held in a node's memory, so any node behind a load balancer serves the session and revoking the
 * token ends it.
 *
 * <p>The CSRF token is derived from the session token (SHA-256 under a fixed label), so every node
 * computes the same one without shared state. A page of another origin can neither read it (no
 * CORS) nor derive it (it would need the session token), so a forged POST that rides on the cookie
 * is refused; SameSite=Strict already keeps the cookie off cross-site requests in current browsers.
 */
public final class Session {
  public static final String COOKIE = "keel_session";
  public static final String CSRF_HEADER = "X-Keel-CSRF";
  static final int MAX_TOKEN_LENGTH = 200;

  private Session() {}

  /** The session token from the cookie, if any. */
  public static Optional<String> token(Context ctx) {
    String value = ctx.cookie(COOKIE);
    return value == null || value.isEmpty() || value.length() > MAX_TOKEN_LENGTH
        ? Optional.empty()
        : Optional.of(value);
  }

  public static void start(Context ctx, String token, boolean secure) {
    Cookie cookie = new Cookie(COOKIE, token);
    cookie.setHttpOnly(true);
    cookie.setSameSite(SameSite.STRICT);
    cookie.setPath("/");
    cookie.setSecure(secure);
    ctx.cookie(cookie);
  }

  public static void end(Context ctx, boolean secure) {
    Cookie cookie = new Cookie(COOKIE, "");
    cookie.setHttpOnly(true);
    cookie.setSameSite(SameSite.STRICT);
    cookie.setPath("/");
    cookie.setSecure(secure);
    cookie.setMaxAge(0);
    ctx.cookie(cookie);
  }

  public static String csrf(String token) {
    byte[] digest = sha256("keel-csrf\0" + token);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(digest);
  }

  /** Constant-time comparison of the header sent with the expected CSRF token. */
  static boolean csrfMatches(Context ctx, String token) {
    String sent = ctx.header(CSRF_HEADER);
    return sent != null
        && MessageDigest.isEqual(
            sent.getBytes(StandardCharsets.UTF_8), csrf(token).getBytes(StandardCharsets.UTF_8));
  }

  private static byte[] sha256(String s) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JVM", e);
    }
  }
}
