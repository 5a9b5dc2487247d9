package dev.keel.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.keel.server.KeelServer;
import dev.keel.server.api.Role;
import dev.keel.server.api.Session;
import dev.keel.server.api.Tokens;
import dev.keel.server.metrics.KeelMetrics;
import dev.keel.store.Database;
import dev.keel.store.MetadataStore;
import dev.keel.testkit.TestDatabase;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * POST /api/pipelines/{name}/replay on a server built as keel-cli builds it: the same replay as
 * keel replay, for operators only, once per source run.
 */
class ReplayApiTest {
  @TempDir Path dir;

  private MetadataStore store;
  private KeelServer server;
  private String operator;
  private String viewer;

  @BeforeEach
  void setUp() throws Exception {
    TestDatabase.reset();
    Files.writeString(
        dir.resolve("in.csv"),
        """
        id,amount
        1,10.00
        2,12.5O
        3,30.00
        """);
    Path file = dir.resolve("p.yaml");
    Files.writeString(
        file,
        """
        name: fixes
        source: { csv: { path: in.csv } }
        columns: { id: bigint, amount: "numeric(10,2)" }
        validate: { max_rejected: 10 }
        sink: { postgres: { key: [id], table: fixes } }
        """);
    assertThat(Cli.runPipeline(file).exit()).isZero();
    store = MetadataStore.open(new Database(TestDatabase.url(), null, null, 4, "replay-api-test"));
    server =
        KeelServer.builder(store, KeelMetrics.prometheus())
            .host("127.0.0.1")
            .port(0)
            .replays(new ServerReplays(store))
            .build()
            .start();
    operator = new Tokens(store.db()).create(Role.OPERATOR, "replay test");
    viewer = new Tokens(store.db()).create(Role.VIEWER, "replay test");
  }

  @AfterEach
  void tearDown() {
    server.stop();
    store.close();
  }

  @Test
  void an_operator_replays_the_fixed_records_once_and_a_second_replay_is_a_409() throws Exception {
    Files.writeString(
        dir.resolve("in.csv"), Files.readString(dir.resolve("in.csv")).replace("12.5O", "12.50"));

    HttpResponse<String> first = replay(operator, true, "{\"partition\": \"all\"}");

    assertThat(first.statusCode()).as(first.body()).isEqualTo(202);
    assertThat(first.body()).contains("\"source_run\":1", "\"records\":1");
    String run = first.body().replaceAll(".*\"run_id\":(\\d+).*", "$1");
    await()
        .atMost(Duration.ofSeconds(30))
        .until(
            () -> TestDatabase.value("select state from keel.run where id = " + run),
            "succeeded"::equals);
    assertThat(TestDatabase.rows("select id, amount from fixes order by id"))
        .containsExactly("1|10.00", "2|12.50", "3|30.00");

    HttpResponse<String> again = replay(operator, true, "{\"partition\": \"all\", \"run\": 1}");

    assertThat(again.statusCode()).isEqualTo(409);
    assertThat(again.body()).contains("were replayed already");
    assertThat(TestDatabase.count("select count(*) from keel.run")).isEqualTo(2);
    assertThat(TestDatabase.count("select count(*) from fixes")).isEqualTo(3);
  }

  @Test
  void a_viewer_or_a_request_without_the_csrf_token_is_refused_and_nothing_runs() throws Exception {
    assertThat(replay(viewer, true, "{\"partition\": \"all\"}").statusCode()).isEqualTo(403);
    assertThat(replay(operator, false, "{\"partition\": \"all\"}").statusCode()).isEqualTo(403);
    assertThat(TestDatabase.count("select count(*) from keel.run")).isEqualTo(1);
  }

  @Test
  void an_unknown_partition_is_a_400_and_a_partition_without_rejects_a_409() throws Exception {
    assertThat(replay(operator, true, "{\"partition\": \"eu\"}").statusCode()).isEqualTo(400);
    assertThat(replay(operator, true, "{}").statusCode()).isEqualTo(400);
    HttpResponse<String> none = replay(operator, true, "{\"partition\": \"all\", \"run\": 7}");
    assertThat(none.statusCode()).isEqualTo(409);
    assertThat(none.body()).contains("nothing to replay");
  }

  @Test
  void a_server_without_the_replay_hook_answers_501() throws Exception {
    try (KeelServer bare =
        KeelServer.builder(store, KeelMetrics.prometheus())
            .host("127.0.0.1")
            .port(0)
            .build()
            .start()) {
      HttpResponse<String> r = send(bare, operator, true, "{\"partition\": \"all\"}");
      assertThat(r.statusCode()).isEqualTo(501);
      assertThat(r.body()).contains("keel replay fixes --partition all");
    }
  }

  private HttpResponse<String> replay(String token, boolean csrf, String body) throws Exception {
    return send(server, token, csrf, body);
  }

  /** Signed in through the UI's session cookie, the way the browser sends an action. */
  private static HttpResponse<String> send(KeelServer to, String token, boolean csrf, String body)
      throws Exception {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + to.port() + "/api/pipelines/fixes/replay"))
            .header("Content-Type", "application/json")
            .header("Cookie", Session.COOKIE + "=" + token)
            .POST(HttpRequest.BodyPublishers.ofString(body));
    if (csrf) {
      b.header(Session.CSRF_HEADER, Session.csrf(token));
    }
    return HttpClient.newHttpClient().send(b.build(), HttpResponse.BodyHandlers.ofString());
  }
}
