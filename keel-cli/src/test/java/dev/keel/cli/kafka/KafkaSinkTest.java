package dev.keel.cli.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.keel.cli.Cli;
import dev.keel.testkit.KafkaBroker;
import dev.keel.testkit.TestDatabase;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code sink: { kafka: … }} with {@code keel run}: each run's records are committed once in one
 * Kafka transaction per partition; a failed partition leaves nothing a read_committed consumer
 * sees.
 */
class KafkaSinkTest {
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

  private Path pipeline(String topic, String validate) throws Exception {
    Files.writeString(
        dir.resolve("a.csv"),
        "id,customer\n"
            + String.join("\n", IntStream.range(0, 200).mapToObj(i -> i + ",c" + i).toList())
            + "\n");
    Files.writeString(dir.resolve("b.csv"), "id,customer\n1000,x\nbad,y\n1001,z\n");
    Path file = dir.resolve(topic + ".yaml");
    Files.writeString(
        file,
        """
        name: %s
        partitions: { values: [a, b] }
        source: { csv: { path: "${partition}.csv" } }
        columns: { id: bigint, customer: text }
        %s
        sink: { kafka: { bootstrap: "%s", topic: %s, key: [id] } }
        """
            .formatted(topic, validate, broker.bootstrap(), topic));
    return file;
  }

  @Test
  void each_run_commits_every_record_once_keyed_by_the_key_columns() throws Exception {
    topics.create("out", 2);

    Cli cli = Cli.runPipeline(pipeline("out", "validate: { max_rejected: 1 }"));

    assertThat(cli.exit()).as(cli.toString()).isZero();
    // The commit markers reach the partitions just after the commit returns.
    await().atMost(Duration.ofSeconds(30)).until(() -> topics.readCommitted("out").size() >= 202);
    List<String> messages = topics.readCommitted("out");
    assertThat(messages).hasSize(202);
    assertThat(messages).doesNotHaveDuplicates();
    assertThat(messages)
        .contains("7={\"id\":7,\"customer\":\"c7\"}", "1001={\"id\":1001,\"customer\":\"z\"}");
  }

  @Test
  void a_partition_over_max_rejected_leaves_nothing_visible() throws Exception {
    topics.create("strict", 1);

    Cli cli = Cli.runPipeline(pipeline("strict", ""));

    assertThat(cli.exit()).as(cli.toString()).isEqualTo(1);
    // Until b's abort marker is written, a read_committed consumer stops before b's first record.
    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> topics.readCommitted("strict").size() >= 200);
    List<String> messages = topics.readCommitted("strict");
    // Partition a published its 200; b was rolled back (aborted): none of its records is visible.
    assertThat(messages).hasSize(200);
    assertThat(messages).noneMatch(m -> m.startsWith("1000=") || m.startsWith("1001="));
  }

  @Test
  void a_sink_topic_that_does_not_exist_fails_with_what_to_do() throws Exception {
    Cli cli = Cli.runPipeline(pipeline("missing", ""));

    assertThat(cli.exit()).as(cli.toString()).isNotZero();
    assertThat(cli.err()).contains("kafka topic missing does not exist on " + broker.bootstrap());
  }
}
