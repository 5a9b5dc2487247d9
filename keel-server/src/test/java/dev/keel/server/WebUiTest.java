package dev.keel.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keel.server.api.Role;
import dev.keel.server.api.Session;
import dev.keel.server.api.Tokens;
import dev.keel.server.metrics.KeelMetrics;
import dev.keel.store.MetadataStore;
import dev.keel.testkit.TestDatabase;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The web UI's HTTP side without a browser: page and assets, sign-in cookie, CSRF, the UI's extra
 * reads.
 */
class WebUiTest {
  static final String SALES =
      ApiTest.SALES.replace("retry:", "schedule: \"0 2 * * *\"\nretry:")
          + "# source was jdbc:postgresql://db/shop?user=app&password=hunter2\n";
  static final HttpClient CLIENT = HttpClient.newHttpClient();
  static MetadataStore store;
  static KeelServer server;
  static String viewer;
  static String operator;

  @BeforeAll
  static void start() {
    store = TestStore.fresh();
    server =
        KeelServer.builder(store, KeelMetrics.prometheus())
            .port(0)
            .host("127.0.0.1")
            .build()
            .start();
  }

  @AfterAll
  static void stop() {
    server.stop();
    store.close();
  }

  @BeforeEach
  void clean() {
    TestDatabase.exec(
        "TRUNCATE keel.pipeline_version, keel.run, keel.task, keel.dead_letter, keel.pipeline_pause, keel.api_token,"
            + " keel.alert_outbox, keel.alert_incident CASCADE");
    store.versions().save("sales", "h1", ApiTest.SALES, "/pipelines/sales.yaml");
    store.versions().save("sales", "h2", SALES, "/pipelines/sales.yaml");
    viewer = new Tokens(store.db()).create(Role.VIEWER, "test");
    operator = new Tokens(store.db()).create(Role.OPERATOR, "test");
  }

  @Test
  void the_page_and_its_assets_come_from_the_jar_with_a_same_origin_content_security_policy()
      throws Exception {
    HttpResponse<String> page = send(HttpRequest.newBuilder(uri("/")).GET(), null);
    HttpResponse<String> script = send(HttpRequest.newBuilder(uri("/ui/app.js")).GET(), null);

    assertThat(page.statusCode()).isEqualTo(200);
    assertThat(page.body())
        .contains("<script type=\"module\" src=\"/ui/app.js\">")
        .doesNotContain("http://", "https://");
    assertThat(page.headers().firstValue("Content-Security-Policy"))
        .get()
        .asString()
        .contains("default-src 'none'", "script-src 'self'", "connect-src 'self'");
    assertThat(script.headers().firstValue("Content-Type"))
        .get()
        .asString()
        .startsWith("text/javascript");
    assertThat(send(HttpRequest.newBuilder(uri("/ui/nope.js")).GET(), null).statusCode())
        .isEqualTo(404);
  }

  @Test
  void signing_in_sets_an_http_only_same_site_strict_cookie_that_reads_the_api() throws Exception {
    HttpResponse<String> bad = signIn("keel_wrong");
    HttpResponse<String> ok = signIn(viewer);

    assertThat(bad.statusCode()).isEqualTo(401);
    assertThat(ok.statusCode()).isEqualTo(200);
    String cookie = ok.headers().firstValue("Set-Cookie").orElseThrow();
    assertThat(cookie)
        .startsWith(Session.COOKIE + "=")
        .containsIgnoringCase("HttpOnly")
        .containsIgnoringCase("SameSite=Strict");
    assertThat(get("/api/runs", viewer).statusCode()).isEqualTo(200);
    assertThat(get("/ui/session", viewer).body())
        .contains("\"role\":\"viewer\"", "\"csrf\":\"" + Session.csrf(viewer) + "\"");
  }

  @Test
  void a_sign_in_posted_from_another_origin_is_refused() throws Exception {
    HttpResponse<String> r =
        send(
            HttpRequest.newBuilder(uri("/ui/sign-in"))
                .header("Origin", "https://evil.example")
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString("token=" + operator)),
            null);

    assertThat(r.statusCode()).isEqualTo(403);
    assertThat(r.headers().firstValue("Set-Cookie")).isEmpty();
  }

  @Test
  void an_action_on_the_session_cookie_needs_the_csrf_token_and_an_operator() throws Exception {
    assertThat(post("/api/pipelines/sales/pause", operator, Map.of()).statusCode()).isEqualTo(403);
    assertThat(
            post(
                    "/api/pipelines/sales/pause",
                    operator,
                    Map.of(Session.CSRF_HEADER, Session.csrf(viewer)))
                .statusCode())
        .isEqualTo(403);
    assertThat(
            post(
                    "/api/pipelines/sales/pause",
                    viewer,
                    Map.of(Session.CSRF_HEADER, Session.csrf(viewer)))
                .statusCode())
        .isEqualTo(403);
    assertThat(TestDatabase.count("SELECT count(*) FROM keel.pipeline_pause")).isZero();

    assertThat(
            post(
                    "/api/pipelines/sales/pause",
                    operator,
                    Map.of(Session.CSRF_HEADER, Session.csrf(operator)))
                .statusCode())
        .isEqualTo(200);
    assertThat(TestDatabase.count("SELECT count(*) FROM keel.pipeline_pause")).isOne();
  }

  @Test
  void pipelines_carry_their_schedule_and_last_run_and_a_version_is_shown_with_urls_redacted()
      throws Exception {
    long run =
        store
            .runs()
            .create(
                "sales",
                latestVersion(),
                "test",
                java.time.Instant.now(),
                java.util.List.of("2026-01-01"),
                new dev.keel.spec.RetrySpec(
                    1, java.time.Duration.ofSeconds(1), java.time.Duration.ofSeconds(1)))
            .orElseThrow();

    String pipelines = get("/api/pipelines", viewer).body();
    TestDatabase.exec("DELETE FROM keel.source_lag");
    store.sourceLags().record("sales", "2026-01-01", 42);
    String grid = get("/api/pipelines/sales/grid", viewer).body();
    String version = get("/api/pipelines/sales/versions/" + latestVersion(), viewer).body();

    assertThat(pipelines)
        .contains(
            "\"schedule\":\"0 2 * * *\"", "\"last_run\":{\"id\":" + run + ",\"state\":\"queued\"");
    assertThat(grid)
        .contains(
            "\"partitions\":[\"2026-01-01\"]",
            "\"2026-01-01\":{",
            "\"source_lag\":[{\"partition\":\"2026-01-01\",\"records\":42,\"measured_at\":");
    assertThat(version)
        .contains("jdbc:postgresql://db/shop?user=***&password=***")
        .doesNotContain("hunter2");
    assertThat(get("/api/pipelines/nope/grid", viewer).statusCode()).isEqualTo(404);
  }

  @Test
  void pipelines_say_how_many_loads_their_sink_keeps_for_a_rollback() throws Exception {
    assertThat(get("/api/pipelines", viewer).body()).contains("\"keep_versions\":0");

    store
        .versions()
        .save(
            "sales",
            "h3",
            SALES.replace("mode: upsert", "mode: upsert, keep_versions: 3"),
            "/pipelines/sales.yaml");

    assertThat(get("/api/pipelines", viewer).body()).contains("\"keep_versions\":3");
  }

  private static long latestVersion() {
    return Long.parseLong(TestDatabase.value("SELECT max(id) FROM keel.pipeline_version"));
  }

  private static HttpResponse<String> signIn(String token) throws Exception {
    return send(
        HttpRequest.newBuilder(uri("/ui/sign-in"))
            .header("Content-Type", "application/x-www-form-urlencoded")
            .POST(HttpRequest.BodyPublishers.ofString("token=" + token)),
        null);
  }

  private static HttpResponse<String> get(String path, String session) throws Exception {
    return send(HttpRequest.newBuilder(uri(path)).GET(), session);
  }

  private static HttpResponse<String> post(String path, String session, Map<String, String> headers)
      throws Exception {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(uri(path)).POST(HttpRequest.BodyPublishers.noBody());
    headers.forEach(b::header);
    return send(b, session);
  }

  private static HttpResponse<String> send(HttpRequest.Builder b, String session)
      throws IOException, InterruptedException {
    if (session != null) {
      b.header("Cookie", Session.COOKIE + "=" + session);
    }
    return CLIENT.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  private static URI uri(String path) {
    return URI.create("http://127.0.0.1:" + server.port() + path);
  }
}
