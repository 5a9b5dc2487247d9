package dev.keel.cli.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keel.cli.Cli;
import dev.keel.testkit.KafkaBroker;
import dev.keel.testkit.TestDatabase;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A buffered pipeline run with {@code keel run} on a real broker: the extract stage puts every
 * record into the topic in one transaction per partition, the load stage publishes each once into
 * PostgreSQL with the topic positions; a second run loads only the second run's records.
 */
class BufferedRunTest {
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

  static void csv(Path file, int from, int to) throws Exception {
    try (Writer w = Files.newBufferedWriter(file)) {
      w.write("id,customer,amount,ts\n");
      for (int i = from; i < to; i++) {
        w.write(
            i
                + ",c"
                + i
                + ","
                + i
                + ".25,2026-01-01T00:00:"
                + String.format("%02d", i % 60)
                + "Z\n");
      }
    }
  }

  @Test
  void extract_then_load_publishes_every_record_once_with_its_values() throws Exception {
    topics.create("runbuf", 3);
    csv(dir.resolve("in-eu.csv"), 0, 400);
    csv(dir.resolve("in-us.csv"), 400, 1000);
    Path file = dir.resolve("runbuf.yaml");
    Files.writeString(
        file,
        """
        name: runbuf
        partitions: { values: [eu, us] }
        source: { csv: { path: "in-${partition}.csv" } }
        columns: { id: bigint, customer: text, amount: "numeric(12,2)", ts: timestamptz }
        transform:
          - set: { customer: "upper(customer)" }
        buffer: { kafka: { bootstrap: "%s", topic: runbuf } }
        sink: { postgres: { table: runbuf, key: [id], mode: upsert } }
        """
            .formatted(broker.bootstrap()));

    Cli first = Cli.runPipeline(file);

    assertThat(first.exit()).as(first.toString()).isZero();
    assertThat(TestDatabase.count("SELECT count(*) FROM runbuf")).isEqualTo(1000);
    assertThat(
            TestDatabase.rows(
                "SELECT count(*) FILTER (WHERE customer = 'C' || id AND amount = id + 0.25"
                    + " AND ts = timestamptz '2026-01-01T00:00:00Z' + (id % 60) * interval '1 s')"
                    + " FROM runbuf"))
        .containsExactly("1000");
    assertThat(TestDatabase.rows("SELECT DISTINCT pipeline FROM keel.run ORDER BY 1"))
        .containsExactly("runbuf", "runbuf.load");
    assertThat(TestDatabase.count("SELECT count(*) FROM keel.task WHERE pipeline = 'runbuf.load'"))
        .isEqualTo(3);
    assertThat(TestDatabase.count("SELECT sum(position::bigint) FROM keel_sink.source_position"))
        .as("1000 messages, and a commit marker in each of the 3 topic partitions per extract task")
        .isEqualTo(1006);

    csv(dir.resolve("in-eu.csv"), 1000, 1100);
    csv(dir.resolve("in-us.csv"), 1100, 1200);
    Cli second = Cli.runPipeline(file);

    assertThat(second.exit()).as(second.toString()).isZero();
    assertThat(TestDatabase.count("SELECT count(*) FROM runbuf")).isEqualTo(1200);
    assertThat(TestDatabase.count("SELECT count(DISTINCT id) FROM runbuf")).isEqualTo(1200);
    assertThat(
            TestDatabase.count(
                "SELECT sum(rows_read) FROM keel.task WHERE pipeline = 'runbuf.load'"))
        .as("the load stage read each message once across both runs")
        .isEqualTo(1200);
  }

  @Test
  void a_key_extracted_twice_before_a_load_ends_with_its_later_version_and_no_reject()
      throws Exception {
    topics.create("twice", 1);
    // Two extract runs' versions of id 1 waiting in the buffer (the sink was down), as the
    // extract stage's Kafka sink writes them; this run's own extract finds an empty file.
    topics.send(
        "twice",
        0,
        java.util.List.of(
            "{\"id\": 1, \"customer\": \"old\"}",
            "{\"id\": 2, \"customer\": \"two\"}",
            "{\"id\": 1, \"customer\": \"new\"}"));
    Files.writeString(dir.resolve("in.csv"), "id,customer\n");
    Path file = dir.resolve("twice.yaml");
    Files.writeString(
        file,
        """
        name: twice
        source: { csv: { path: in.csv } }
        columns: { id: bigint, customer: text }
        buffer: { kafka: { bootstrap: "%s", topic: twice } }
        sink: { postgres: { table: twice, key: [id], mode: upsert } }
        """
            .formatted(broker.bootstrap()));

    Cli cli = Cli.runPipeline(file);

    assertThat(cli.exit()).as(cli.toString()).isZero();
    assertThat(TestDatabase.rows("SELECT id || '=' || customer FROM twice ORDER BY id"))
        .containsExactly("1=new", "2=two");
    assertThat(TestDatabase.count("SELECT count(*) FROM keel.dead_letter")).isZero();
  }
}
