package dev.keel.cli.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.keel.cli.Cli;
import dev.keel.cli.ServerReplays;
import dev.keel.server.KeelServer;
import dev.keel.server.api.Role;
import dev.keel.server.api.Session;
import dev.keel.server.api.Tokens;
import dev.keel.server.metrics.KeelMetrics;
import dev.keel.spec.PipelineSpec;
import dev.keel.spec.SpecReader;
import dev.keel.store.Database;
import dev.keel.store.MetadataStore;
import dev.keel.testkit.KafkaBroker;
import dev.keel.testkit.TestDatabase;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The web UI's and API's Replay action on a Kafka pipeline: the same replay by offset as {@code
 * keel replay}, with the latest stored version of the pipeline (the fixed one).
 */
class KafkaReplayApiTest {
  @TempDir Path dir;

  @Test
  void an_operator_replays_kafka_dead_letters_by_offset_with_the_fixed_stored_version()
      throws Exception {
    TestDatabase.reset();
    KafkaBroker broker = KafkaBroker.shared();
    Topics topics = new Topics(broker.bootstrap());
    topics.create("apifix", 1);
    topics.send(
        "apifix",
        0,
        List.of(
            Topics.orders(0, 1).get(0),
            "{\"id\": 1, \"amount\": 1.5}",
            Topics.orders(2, 3).get(0)));
    Path file = dir.resolve("apifix.yaml");
    String pipeline =
        """
        name: apifix
        source: { kafka: { bootstrap: "%s", topic: apifix } }
        columns: { id: bigint, customer: text, amount: "numeric(10,2)" }
        validate: { %smax_rejected: 10 }
        sink: { postgres: { table: apifix, mode: append } }
        """;
    Files.writeString(file, pipeline.formatted(broker.bootstrap(), "not_null: [customer], "));
    Cli run = Cli.runPipeline(file);
    assertThat(run.exit()).as(run.toString()).isZero();
    assertThat(TestDatabase.count("SELECT count(*) FROM apifix")).isEqualTo(2);

    try (MetadataStore store =
        MetadataStore.open(new Database(TestDatabase.url(), null, null, 4, "kafka-replay-api"))) {
      // The fixed pipeline is deployed: its version is the latest stored.
      Files.writeString(file, pipeline.formatted(broker.bootstrap(), ""));
      PipelineSpec fixed = new SpecReader().read(file);
      store
          .versions()
          .save(fixed.name(), fixed.hash(), fixed.text(), file.toString(), fixed.regions());
      String operator = new Tokens(store.db()).create(Role.OPERATOR, "kafka replay test");
      try (KeelServer server =
          KeelServer.builder(store, KeelMetrics.prometheus())
              .host("127.0.0.1")
              .port(0)
              .replays(new ServerReplays(store))
              .build()
              .start()) {
        HttpResponse<String> replay =
            HttpClient.newHttpClient()
                .send(
                    HttpRequest.newBuilder(
                            URI.create(
                                "http://127.0.0.1:"
                                    + server.port()
                                    + "/api/pipelines/apifix/replay"))
                        .header("Content-Type", "application/json")
                        .header("Cookie", Session.COOKIE + "=" + operator)
                        .header(Session.CSRF_HEADER, Session.csrf(operator))
                        .POST(HttpRequest.BodyPublishers.ofString("{\"partition\": \"0\"}"))
                        .build(),
                    HttpResponse.BodyHandlers.ofString());

        assertThat(replay.statusCode()).as(replay.body()).isEqualTo(202);
        assertThat(replay.body()).contains("\"records\":1");
        String runId = replay.body().replaceAll(".*\"run_id\":(\\d+).*", "$1");
        await()
            .atMost(Duration.ofSeconds(60))
            .until(
                () -> TestDatabase.value("SELECT state FROM keel.run WHERE id = " + runId),
                "succeeded"::equals);
      }
    }
    assertThat(TestDatabase.rows("SELECT id::text FROM apifix ORDER BY id"))
        .containsExactly("0", "1", "2");
    assertThat(TestDatabase.value("SELECT position FROM keel_sink.source_position")).isEqualTo("3");
  }
}
