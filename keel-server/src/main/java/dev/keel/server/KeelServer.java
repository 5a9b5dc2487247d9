package dev.keel.server;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.keel.server.api.Actions;
import dev.keel.server.api.AlertReads;
import dev.keel.server.api.ApiException;
import dev.keel.server.api.Auth;
import dev.keel.server.api.PipelineReads;
import dev.keel.server.api.ReadApi;
import dev.keel.server.api.Replays;
import dev.keel.server.api.Tokens;
import dev.keel.server.metrics.StoreGauges;
import dev.keel.server.ui.WebUi;
import dev.keel.spec.JdbcUrls;
import dev.keel.store.MetadataStore;
import io.javalin.Javalin;
import io.javalin.http.Context;
import io.javalin.http.HttpResponseException;
import io.javalin.json.JavalinJackson;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * keel's HTTP side, the same in {@code keel node}, {@code keel serve} and {@code keel run --serve}:
 * {@code /metrics} (Prometheus text), {@code /health/live}, {@code /health/ready}, {@code
 * /openapi.json} and the REST API under {@code /api}. Built with {@link #builder}, then {@link
 * #start()} and {@link #stop()}; it owns neither the store nor the registry.
 */
public final class KeelServer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(KeelServer.class);
  public static final int DEFAULT_PORT = 8080;

  /** Request bodies over this are refused with 413; the API's bodies are a few hundred bytes. */
  public static final long DEFAULT_MAX_REQUEST_BYTES = 64 * 1024;

  private final Builder config;
  private final StoreGauges gauges;
  private final Health health;
  private final byte[] openApi;
  private final java.util.List<String> routes = new java.util.ArrayList<>();
  private Javalin app;

  private KeelServer(Builder b) {
    this.config = b;
    this.gauges = new StoreGauges(b.store.db(), b.registry);
    this.health = new Health(b.store, b.notReady);
    this.openApi = resource("/keel/openapi.json");
  }

  public static Builder builder(MetadataStore store, PrometheusMeterRegistry registry) {
    return new Builder(store, registry);
  }

  /** Configuration; immutable once built. */
  public static final class Builder {
    private final MetadataStore store;
    private final PrometheusMeterRegistry registry;
    private String host = "0.0.0.0";
    private int port = DEFAULT_PORT;
    private boolean openReads;
    private boolean secure;
    private Tls tls;
    private long maxRequestBytes = DEFAULT_MAX_REQUEST_BYTES;
    private java.util.function.Supplier<String> notReady = () -> null;
    private Replays replays;
    private dev.keel.server.api.Rollbacks rollbacks;

    private Builder(MetadataStore store, PrometheusMeterRegistry registry) {
      this.store = store;
      this.registry = registry;
    }

    /** 0 picks a free port (tests); {@link KeelServer#port()} tells which. */
    public Builder port(int port) {
      if (port < 0 || port > 65535) {
        throw new IllegalArgumentException("--http-port must be from 0 to 65535, not " + port);
      }
      this.port = port;
      return this;
    }

    public Builder host(String host) {
      this.host = host;
      return this;
    }

    /**
     * Lets GET requests under /api through without a token (actions still need an operator token).
     */
    public Builder openReads(boolean open) {
      this.openReads = open;
      return this;
    }

    /**
     * Serve HTTPS only, with this PEM certificate chain and PKCS#8 key; the session cookie is then
     * marked Secure.
     */
    public Builder tls(Path certificate, Path key) {
      this.tls = certificate == null ? null : new Tls(certificate, key);
      this.secure = tls != null;
      return this;
    }

    public Builder maxRequestBytes(long bytes) {
      this.maxRequestBytes = bytes;
      return this;
    }

    /**
     * A further readiness condition of the process that serves (a node: draining, heartbeat
     * failing): returns why it is not ready, or null when it is. Checked after the database.
     */
    public Builder notReady(java.util.function.Supplier<String> reason) {
      this.notReady = reason;
      return this;
    }

    /**
     * Lets operators replay dead letters ({@code POST /api/pipelines/{name}/replay}); without it
     * that action answers 501.
     */
    public Builder replays(Replays replays) {
      this.replays = replays;
      return this;
    }

    /**
     * Lets operators list loads and roll a partition back ({@code GET
     * /api/pipelines/{name}/history}, {@code POST /api/pipelines/{name}/rollback}); without it
     * those answer 501.
     */
    public Builder rollbacks(dev.keel.server.api.Rollbacks rollbacks) {
      this.rollbacks = rollbacks;
      return this;
    }

    public KeelServer build() {
      return new KeelServer(this);
    }
  }

  public KeelServer start() {
    ReadApi read = new ReadApi(config.store.db());
    Actions actions = new Actions(config.store, config.replays, config.rollbacks);
    Auth auth = new Auth(new Tokens(config.store.db()), config.openReads);
    PipelineReads pipelines = new PipelineReads(config.store.db());
    AlertReads alerts = new AlertReads(config.store.db());
    WebUi ui = new WebUi(auth, config.secure);
    ObjectMapper mapper = RedactedJson.mapper();
    java.security.KeyStore keys = config.tls == null ? null : config.tls.keyStore();
    app =
        Javalin.create(
            c -> {
              if (keys != null) {
                c.jetty.addConnector(
                    (server, http) ->
                        config.tls.connector(server, http, keys, config.host, config.port));
              }
              c.startup.showJavalinBanner = false;
              c.http.maxRequestSize = config.maxRequestBytes;
              c.jsonMapper(new JavalinJackson(mapper, false));
              route(
                  c,
                  "get",
                  "/metrics",
                  ctx -> {
                    gauges.refresh();
                    ctx.contentType("text/plain; version=0.0.4; charset=utf-8")
                        .result(config.registry.scrape());
                  });
              route(c, "get", "/health/live", ctx -> ctx.json(Map.of("status", "live")));
              route(
                  c,
                  "get",
                  "/health/ready",
                  ctx -> {
                    Health.Result r = health.ready();
                    ctx.status(r.ready() ? 200 : 503).json(r.body());
                  });
              route(
                  c,
                  "get",
                  "/openapi.json",
                  ctx -> ctx.contentType("application/json").result(openApi));
              ui.register(c); // "/" and "/ui/*": the web UI, not part of the API document
              c.routes.before("/api/*", auth::check);
              route(c, "get", "/api/pipelines", read::pipelines);
              route(c, "get", "/api/runs", read::runs);
              route(c, "get", "/api/runs/{id}", read::run);
              route(c, "get", "/api/tasks/{id}", read::task);
              route(c, "get", "/api/nodes", read::nodes);
              route(c, "get", "/api/dead-letters", read::deadLetters);
              route(c, "get", "/api/checkpoints", read::checkpoints);
              route(c, "get", "/api/pipelines/{name}/grid", pipelines::grid);
              route(c, "get", "/api/pipelines/{name}/versions/{id}", pipelines::version);
              route(c, "get", "/api/alerts", alerts::alerts);
              route(c, "post", "/api/pipelines/{name}/trigger", actions::trigger);
              route(c, "post", "/api/pipelines/{name}/backfill", actions::backfill);
              route(c, "post", "/api/pipelines/{name}/pause", actions::pause);
              route(c, "post", "/api/pipelines/{name}/resume", actions::resume);
              route(c, "post", "/api/pipelines/{name}/replay", actions::replay);
              route(c, "get", "/api/pipelines/{name}/history", actions::history);
              route(c, "post", "/api/pipelines/{name}/rollback", actions::rollback);
              route(c, "post", "/api/tasks/{id}/retry", actions::retry);
              c.routes.exception(
                  ApiException.class, (e, ctx) -> error(ctx, e.status(), e.getMessage()));
              c.routes.exception(
                  HttpResponseException.class, (e, ctx) -> error(ctx, e.getStatus(), message(e)));
              c.routes.exception(
                  Exception.class,
                  (e, ctx) -> {
                    log.error("{} {} failed", ctx.method(), ctx.path(), e);
                    error(
                        ctx,
                        500,
                        "internal error: " + JdbcUrls.redact(String.valueOf(e.getMessage())));
                  });
            });
    app.start(config.host, config.port);
    log.info(
        "{} on {}:{} (UI /, metrics /metrics, health /health/ready, API /api, reads {})",
        config.tls != null ? "HTTPS" : "HTTP",
        config.host,
        app.port(),
        config.openReads ? "open" : "need a token");
    return this;
  }

  private void route(
      io.javalin.config.JavalinConfig c,
      String method,
      String path,
      io.javalin.http.Handler handler) {
    routes.add(method.toUpperCase(java.util.Locale.ROOT) + " " + path);
    if (method.equals("get")) {
      c.routes.get(path, handler);
    } else {
      c.routes.post(path, handler);
    }
  }

  /** Every route served, as "GET /api/runs/{id}" (for the OpenAPI check). */
  public java.util.List<String> routes() {
    return java.util.List.copyOf(routes);
  }

  public int port() {
    return app.port();
  }

  public void stop() {
    if (app != null) {
      app.stop();
      app = null;
    }
  }

  @Override
  public void close() {
    stop();
  }

  private static void error(Context ctx, int status, String message) {
    ctx.status(status).json(Map.of("error", message, "status", status));
  }

  private static String message(HttpResponseException e) {
    return switch (e.getStatus()) {
      case 404 -> "no such endpoint; see /openapi.json";
      case 405 -> "method not allowed; see /openapi.json";
      case 413 -> "request body too large";
      default -> e.getMessage();
    };
  }

  private static byte[] resource(String name) {
    try (InputStream in = KeelServer.class.getResourceAsStream(name)) {
      if (in == null) {
        throw new IllegalStateException(name + " is missing from keel-server's jar");
      }
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
