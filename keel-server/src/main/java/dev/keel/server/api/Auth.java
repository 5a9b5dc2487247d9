package dev.keel.server.api;

import io.javalin.http.Context;
import io.javalin.http.HandlerType;
import java.util.Optional;

/**
 * Token checks for {@code /api/*}: a GET needs a viewer (or operator) token unless reads are open;
 * anything else needs an operator token. No or an unknown token is 401, a viewer token on an action
 * is 403. The token comes from {@code Authorization: Bearer} (scripts) or from the web UI's session
 * cookie ({@link Session}); an action carried by the cookie must also send the CSRF token, or it is
 * 403, because a browser attaches the cookie to requests it did not choose to make. {@code
 * /metrics}, {@code /health/*} and {@code /openapi.json} are open, as scrapers and probes expect.
 */
public final class Auth {
  private final Tokens tokens;
  private final boolean openReads;

  public Auth(Tokens tokens, boolean openReads) {
    this.tokens = tokens;
    this.openReads = openReads;
  }

  public void check(Context ctx) {
    boolean read = ctx.method() == HandlerType.GET || ctx.method() == HandlerType.HEAD;
    if (read && openReads) {
      return;
    }
    Optional<String> bearer = bearer(ctx);
    Optional<String> token = bearer.isPresent() ? bearer : Session.token(ctx);
    Role role =
        token
            .flatMap(tokens::roleOf)
            .orElseThrow(
                () -> {
                  ctx.header("WWW-Authenticate", "Bearer realm=\"keel\"");
                  return new ApiException(
                      401,
                      "a valid API token is required: send 'Authorization: Bearer <token>' (create one with"
                          + " keel token create --role viewer|operator), or sign in at /");
                });
    if (!read && role != Role.OPERATOR) {
      throw new ApiException(
          403, "this action needs an operator token; the token given is a viewer token");
    }
    if (!read && bearer.isEmpty() && !Session.csrfMatches(ctx, token.get())) {
      throw new ApiException(
          403,
          "the CSRF token is missing or wrong (header "
              + Session.CSRF_HEADER
              + "); reload the page and try again");
    }
  }

  /** The role of the signed-in session, if its token is still valid. */
  public Optional<Role> sessionRole(Context ctx) {
    return Session.token(ctx).flatMap(tokens::roleOf);
  }

  public Optional<Role> roleOf(String token) {
    return token == null || token.isBlank() || token.length() > Session.MAX_TOKEN_LENGTH
        ? Optional.empty()
        : tokens.roleOf(token.trim());
  }

  public boolean openReads() {
    return openReads;
  }

  private static Optional<String> bearer(Context ctx) {
    String header = ctx.header("Authorization");
    if (header == null || !header.regionMatches(true, 0, "Bearer ", 0, 7)) {
      return Optional.empty();
    }
    String token = header.substring(7).trim();
    return token.isEmpty() || token.length() > Session.MAX_TOKEN_LENGTH
        ? Optional.empty()
        : Optional.of(token);
  }
}
