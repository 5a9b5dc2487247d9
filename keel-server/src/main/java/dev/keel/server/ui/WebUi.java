package dev.keel.server.ui;

import dev.keel.server.api.ApiException;
import dev.keel.server.api.Auth;
import dev.keel.server.api.Role;
import dev.keel.server.api.Session;
import io.javalin.config.JavalinConfig;
import io.javalin.http.Context;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The operator web UI: one page ({@code /}) and its script and style under {@code /ui/}, all from
 * the jar, drawing everything from the REST API with the session cookie. The page builds its DOM
 * with text nodes only, and every answer carries a Content-Security-Policy that allows this origin
 * alone, so neither a dead-letter record holding markup nor a stray asset URL can run or load
 * anything else.
 *
 * <p>{@code POST /ui/sign-in} takes an API token from the form and keeps it in the session cookie;
 * {@code GET /ui/session} tells the page who is signed in and hands it the CSRF token its actions
 * send.
 */
public final class WebUi {
  static final String CSP =
      "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self';"
          + " form-action 'self'; base-uri 'none'; frame-ancestors 'none'";
  private static final Map<String, String> ASSETS =
      Map.of(
          "app.js", "text/javascript; charset=utf-8",
          "dom.js", "text/javascript; charset=utf-8",
          "history.js", "text/javascript; charset=utf-8",
          "pages.js", "text/javascript; charset=utf-8",
          "style.css", "text/css; charset=utf-8");

  private final Auth auth;
  private final boolean secure;
  private final byte[] index;
  private final Map<String, byte[]> assets = new LinkedHashMap<>();

  public WebUi(Auth auth, boolean secure) {
    this.auth = auth;
    this.secure = secure;
    this.index = resource("index.html");
    ASSETS.keySet().forEach(name -> assets.put(name, resource(name)));
  }

  public void register(JavalinConfig c) {
    c.routes.before(
        ctx -> {
          ctx.header("Content-Security-Policy", CSP);
          ctx.header("X-Content-Type-Options", "nosniff");
          ctx.header("Referrer-Policy", "no-referrer");
          ctx.header("X-Frame-Options", "DENY");
        });
    c.routes.get(
        "/",
        ctx ->
            ctx.header("Cache-Control", "no-store")
                .contentType("text/html; charset=utf-8")
                .result(index));
    c.routes.get(
        "/ui/session", this::session); // before /ui/{asset}: routes match in the order added
    c.routes.get("/ui/{asset}", this::asset);
    c.routes.post("/ui/sign-in", this::signIn);
    c.routes.post("/ui/sign-out", this::signOut);
  }

  private void asset(Context ctx) {
    String name = ctx.pathParam("asset");
    byte[] body = assets.get(name);
    if (body == null) {
      throw ApiException.notFound("/ui/" + name);
    }
    ctx.header("Cache-Control", "no-cache").contentType(ASSETS.get(name)).result(body);
  }

  private void session(Context ctx) {
    Optional<String> token = Session.token(ctx);
    Optional<Role> role = auth.sessionRole(ctx);
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("signed_in", role.isPresent());
    out.put("role", role.map(Role::label).orElse(null));
    out.put("csrf", role.isPresent() ? Session.csrf(token.get()) : null);
    out.put("open_reads", auth.openReads());
    ctx.header("Cache-Control", "no-store").json(out);
  }

  private void signIn(Context ctx) {
    sameOrigin(ctx);
    String token = ctx.formParam("token");
    Optional<Role> role = auth.roleOf(token);
    if (role.isEmpty()) {
      throw new ApiException(
          401,
          "unknown or revoked token; create one with keel token create --role viewer|operator");
    }
    Session.start(ctx, token.trim(), secure);
    ctx.header("Cache-Control", "no-store")
        .json(
            Map.of(
                "signed_in", true, "role", role.get().label(), "csrf", Session.csrf(token.trim())));
  }

  private void signOut(Context ctx) {
    sameOrigin(ctx);
    Session.end(ctx, secure);
    ctx.json(Map.of("signed_in", false));
  }

  /**
   * A sign-in or sign-out must come from a page of this server: browsers send {@code Origin} on
   * every POST, so one naming another host is a cross-site request (login CSRF) and is refused.
   */
  private static void sameOrigin(Context ctx) {
    String origin = ctx.header("Origin");
    if (origin == null || origin.equals("null")) {
      return; // not a browser (curl, tests); the token itself is the credential
    }
    String host = ctx.header("Host");
    String originHost;
    try {
      URI uri = URI.create(origin);
      originHost = uri.getPort() < 0 ? uri.getHost() : uri.getHost() + ":" + uri.getPort();
    } catch (IllegalArgumentException e) {
      originHost = null;
    }
    if (host == null || !host.equalsIgnoreCase(originHost)) {
      throw new ApiException(403, "cross-origin request refused (Origin " + origin + ")");
    }
  }

  private static byte[] resource(String name) {
    try (InputStream in = WebUi.class.getResourceAsStream("/keel/ui/" + name)) {
      if (in == null) {
        throw new IllegalStateException("/keel/ui/" + name + " is missing from keel-server's jar");
      }
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
