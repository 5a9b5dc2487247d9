package dev.keel.cli.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keel.cli.Cli;
import dev.keel.testkit.KafkaBroker;
import dev.keel.testkit.TestDatabase;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code source: { kafka: … }} end to end with {@code keel run} on a real broker (one per class)
 * and a real PostgreSQL: every message once, a second run only the new ones, bad messages
 * dead-lettered with topic/partition/offset, bad input refused with a clear message.
 */
class KafkaSourceTest {
  static KafkaBroker broker;
  static Topics topics;

  @TempDir Path dir;

  @BeforeAll
  static void startBroker() throws Exception {
    broker = KafkaBroker.shared();
    topics = new Topics(broker.bootstrap());
  }

  @BeforeEach
  void emptyDatabase() {
    TestDatabase.reset();
  }

  private Path pipeline(String topic, String extra) throws Exception {
    Path file = dir.resolve(topic + ".yaml");
    Files.writeString(
        file,
        """
        name: %s
        source: { kafka: { bootstrap: "%s", topic: %s } }
        columns: { id: bigint, customer: text, amount: "numeric(10,2)" }
        %s
        sink: { postgres: { table: %s, mode: append } }
        """
            .formatted(topic, broker.bootstrap(), topic, extra, topic));
    return file;
  }

  @Test
  void every_message_of_every_partition_is_loaded_once_and_a_second_run_loads_only_new_ones()
      throws Exception {
    topics.create("orders", 2);
    topics.send("orders", 0, Topics.orders(0, 30));
    topics.send("orders", 1, Topics.orders(30, 50));

    Cli first = Cli.runPipeline(pipeline("orders", ""));

    assertThat(first.exit()).as(first.toString()).isZero();
    assertThat(TestDatabase.count("SELECT count(*) FROM orders")).isEqualTo(50);
    assertThat(TestDatabase.count("SELECT count(DISTINCT id) FROM orders")).isEqualTo(50);
    assertThat(
            TestDatabase.rows(
                "SELECT partition || '=' || position FROM keel_sink.source_position ORDER BY 1"))
        .containsExactly("0=30", "1=20");

    Cli status = Cli.run("status", "--db", TestDatabase.url());
    assertThat(status.out())
        .as(status.toString())
        .contains("source lag")
        .containsPattern("orders/0 +0 \\(measured")
        .containsPattern("orders/1 +0 \\(measured");
    Cli json = Cli.run("status", "--db", TestDatabase.url(), "--json");
    var lag =
        new com.fasterxml.jackson.databind.ObjectMapper().readTree(json.out()).get("source_lag");
    assertThat(lag).as(json.toString()).hasSize(2);
    assertThat(lag.get(1).get("pipeline").asText()).isEqualTo("orders");
    assertThat(lag.get(1).get("partition").asText()).isEqualTo("1");
    assertThat(lag.get(1).get("records").asLong()).isZero();
    assertThat(lag.get(1).get("measuredAt").asText()).contains("T");

    topics.send("orders", 1, Topics.orders(50, 60));
    Cli second = Cli.runPipeline(pipeline("orders", ""));

    assertThat(second.exit()).as(second.toString()).isZero();
    assertThat(TestDatabase.count("SELECT count(*) FROM orders")).isEqualTo(60);
    assertThat(TestDatabase.count("SELECT count(DISTINCT id) FROM orders")).isEqualTo(60);
    assertThat(TestDatabase.value("SELECT sum(amount) FROM orders")).isEqualTo(sumOfAmounts(60));
  }

  private static String sumOfAmounts(int n) {
    return new java.math.BigDecimal(n * (n - 1) / 2)
        .add(new java.math.BigDecimal("0.5").multiply(new java.math.BigDecimal(n)))
        .setScale(2)
        .toPlainString();
  }

  @Test
  void bad_messages_are_dead_lettered_with_topic_partition_offset_and_the_rest_published()
      throws Exception {
    topics.create("bad", 1);
    topics.send(
        "bad",
        0,
        Arrays.asList(
            Topics.orders(0, 1).get(0),
            "not json",
            "{\"id\": \"x\"}",
            null,
            "[1, 2]",
            Topics.orders(1, 2).get(0)));

    Cli cli = Cli.runPipeline(pipeline("bad", "validate: { max_rejected: 10 }"));

    assertThat(cli.exit()).as(cli.toString()).isZero();
    assertThat(TestDatabase.rows("SELECT id::text FROM bad ORDER BY id")).containsExactly("0", "1");
    List<String> dead =
        TestDatabase.rows(
            "SELECT position || ' ' || reason FROM keel.dead_letter ORDER BY position");
    assertThat(dead).hasSize(4);
    assertThat(dead.get(0)).startsWith("1 bad/0/1: not valid JSON");
    assertThat(dead.get(1)).startsWith("2 bad/0/2: column id:");
    assertThat(dead.get(2)).startsWith("3 bad/0/3: an empty message (a tombstone");
    assertThat(dead.get(3)).startsWith("4 bad/0/4: expected a JSON object, found an array");
    assertThat(TestDatabase.value("SELECT position FROM keel_sink.source_position")).isEqualTo("6");
  }

  private Cli replay(String name) {
    return Cli.run(
        "replay",
        name,
        "--partition",
        "0",
        "--db",
        TestDatabase.url(),
        "--pipelines",
        dir.resolve(name + ".yaml").toString());
  }

  @Test
  void dead_letters_are_replayed_by_offset_once_and_the_stored_position_stays_where_runs_stopped()
      throws Exception {
    topics.create("fixed", 1);
    String noCustomer = "{\"id\": %d, \"amount\": %d.5}";
    topics.send(
        "fixed",
        0,
        List.of(
            Topics.orders(0, 1).get(0),
            "not json",
            noCustomer.formatted(2, 2),
            Topics.orders(3, 4).get(0),
            noCustomer.formatted(4, 4),
            Topics.orders(5, 6).get(0)));
    Cli run =
        Cli.runPipeline(pipeline("fixed", "validate: { not_null: [customer], max_rejected: 10 }"));
    assertThat(run.exit()).as(run.toString()).isZero();
    assertThat(TestDatabase.rows("SELECT id::text FROM fixed ORDER BY id"))
        .containsExactly("0", "3", "5");
    topics.send("fixed", 0, Topics.orders(6, 8));

    // The pipeline is fixed (customer may be null now): the three dead letters are read again by
    // their offsets; the one that is still not JSON is rejected again.
    pipeline("fixed", "validate: { max_rejected: 10 }");
    Cli replay = replay("fixed");

    assertThat(replay.exit()).as(replay.toString()).isZero();
    assertThat(replay.out()).contains("replaying 3 rejected records");
    assertThat(TestDatabase.rows("SELECT id::text FROM fixed ORDER BY id"))
        .containsExactly("0", "2", "3", "4", "5");
    assertThat(TestDatabase.value("SELECT position FROM keel_sink.source_position"))
        .as("a replay does not move the partition's position")
        .isEqualTo("6");
    assertThat(
            TestDatabase.rows(
                "SELECT position || ' ' || reason FROM keel.dead_letter"
                    + " WHERE run_id = (SELECT max(run_id) FROM keel.dead_letter)"))
        .singleElement()
        .asString()
        .startsWith("1 fixed/0/1: not valid JSON");

    Cli twice =
        Cli.run(
            "replay",
            "fixed",
            "--partition",
            "0",
            "--run",
            firstRun("fixed"),
            "--db",
            TestDatabase.url(),
            "--pipelines",
            dir.resolve("fixed.yaml").toString());
    assertThat(twice.out()).as(twice.toString()).contains("were replayed already");

    // The next run goes on after offset 5: 6 and 7 once, nothing replayed twice.
    Cli next = Cli.runPipeline(dir.resolve("fixed.yaml"));
    assertThat(next.exit()).as(next.toString()).isZero();
    assertThat(TestDatabase.rows("SELECT id::text FROM fixed ORDER BY id"))
        .containsExactly("0", "2", "3", "4", "5", "6", "7");
  }

  private static String firstRun(String pipeline) {
    return TestDatabase.value(
        "SELECT min(id)::text FROM keel.run WHERE pipeline = '" + pipeline + "'");
  }

  @Test
  void a_dead_letter_deleted_by_retention_fails_the_replay_naming_its_offset() throws Exception {
    topics.create("expired", 1);
    topics.send("expired", 0, List.of(Topics.orders(0, 1).get(0), "not json", "{\"id\": 2}"));
    Cli run = Cli.runPipeline(pipeline("expired", "validate: { max_rejected: 10 }"));
    assertThat(run.exit()).as(run.toString()).isZero();
    topics.deleteBefore("expired", 0, 2);

    Cli replay = replay("expired");

    assertThat(replay.exit()).as(replay.toString()).isEqualTo(1);
    assertThat(replay.out() + replay.err())
        .contains("kafka topic expired partition 0")
        .contains("offset 1 was deleted by the topic's retention")
        .contains("starts at offset 2");
    assertThat(TestDatabase.count("SELECT count(*) FROM expired")).isEqualTo(2);
  }

  @Test
  void csv_messages_are_records_in_column_order() throws Exception {
    topics.create("csvin", 1);
    topics.send("csvin", 0, List.of("1,ann,10.50", "2,\"b,ob\",20", "3,cy"));
    Path file = pipeline("csvin", "validate: { max_rejected: 1 }");
    Files.writeString(
        file, Files.readString(file).replace("topic: csvin", "topic: csvin, format: csv"));

    Cli cli = Cli.runPipeline(file);

    assertThat(cli.exit()).as(cli.toString()).isZero();
    assertThat(TestDatabase.rows("SELECT customer FROM csvin ORDER BY id"))
        .containsExactly("ann", "b,ob");
    assertThat(TestDatabase.value("SELECT reason FROM keel.dead_letter"))
        .isEqualTo("csvin/0/2: expected 3 fields (the declared columns), found 2");
  }

  @Test
  void a_topic_that_does_not_exist_is_bad_input_named_with_what_to_do() throws Exception {
    Cli cli = Cli.runPipeline(pipeline("nosuchtopic", ""));

    assertThat(cli.exit()).as(cli.toString()).isEqualTo(2);
    assertThat(cli.err())
        .contains("kafka topic nosuchtopic does not exist on " + broker.bootstrap())
        .contains("create it");
  }

  @Test
  void a_bootstrap_that_does_not_answer_fails_the_run_saying_which_and_what_to_check()
      throws Exception {
    int closed;
    try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
      closed = s.getLocalPort();
    }
    Path file = dir.resolve("nobroker.yaml");
    Files.writeString(
        file,
        """
        name: nobroker
        source: { kafka: { bootstrap: "127.0.0.1:%d", topic: orders } }
        columns: { id: bigint }
        retry: { attempts: 1 }
        sink: { postgres: { table: nobroker, mode: append } }
        """
            .formatted(closed));

    Cli cli = Cli.runPipeline(file);

    assertThat(cli.exit()).as(cli.toString()).isEqualTo(1);
    assertThat(cli.err())
        .contains("kafka bootstrap 127.0.0.1:" + closed + " did not answer")
        .contains("asking for topic orders")
        .contains("is the broker up");
  }

  @Test
  void a_partition_the_topic_does_not_have_is_refused() throws Exception {
    topics.create("two", 2);
    Cli cli = Cli.runPipeline(pipeline("two", ""), "--partition", "5");

    assertThat(cli.exit()).as(cli.toString()).isEqualTo(2);
    assertThat(cli.err()).contains("partition '5' is not one of two's partitions (0, 1)");
  }

  @Test
  void a_spec_with_replace_or_a_bad_format_is_refused_with_line_and_column() throws Exception {
    Path file = pipeline("spec", "");
    Files.writeString(
        file,
        Files.readString(file)
            .replace("mode: append", "mode: replace")
            .replace(
                "topic: spec",
                "topic: spec, format: xml, properties: { enable.auto.commit: true }"));

    Cli cli = Cli.run("validate", file.toString());

    assertThat(cli.exit()).as(cli.toString()).isEqualTo(2);
    assertThat(cli.err())
        .contains("source.kafka.format must be json or csv, not 'xml'")
        .contains("enable.auto.commit is set by keel")
        .contains("mode replace would delete what earlier runs of a kafka source published")
        .contains("spec.yaml:2:");
  }
}
