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

    // A replay would move the stored position past messages it does not publish: refused.
    Cli replay =
        Cli.run(
            "replay",
            "bad",
            "--partition",
            "0",
            "--db",
            TestDatabase.url(),
            "--pipelines",
            dir.resolve("bad.yaml").toString());
    assertThat(replay.exit()).as(replay.toString()).isEqualTo(2);
    assertThat(replay.err())
        .contains("replaying the dead letters of a kafka source is not supported");
    assertThat(TestDatabase.value("SELECT position FROM keel_sink.source_position")).isEqualTo("6");
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
