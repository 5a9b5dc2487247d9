package dev.keel.server.api;

import io.javalin.http.Context;
import io.javalin.http.HandlerType;
import java.util.Optional;

/**
 * Bearer-token checks for {@code /api/*}: a GET needs a viewer (or operator) token unless reads are
 * open; anything else needs an operator token. No or an unknown token is 401, a viewer token on an
 * action is 403. {@code /metrics}, {@code /health/*} and {@code /openapi.json} are open, as
 * scrapers and probes expect.
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
    Role role = bearer(ctx).flatMap(tokens::roleOf).orElseThrow(() -> {
      ctx.header("WWW-Authenticate", "Bearer realm=\"keel\"");
      return new ApiException(401, "a valid API token is required: send 'Authorization: Bearer <token>' (create one with"
          + " keel token create --role viewer|operator)");
    });
    if (!read && role != Role.OPERATOR) {
      throw new ApiException(403, "this action needs an operator token; the token given is a viewer token");
    }
  }

  private static Optional<String> bearer(Context ctx) {
    String header = ctx.header("Authorization");
    if (header == null || !header.regionMatches(true, 0, "Bearer ", 0, 7)) {
      return Optional.empty();
    }
    String token = header.substring(7).trim();
    return token.isEmpty() || token.length() > 200 ? Optional.empty() : Optional.of(token);
  }
}
