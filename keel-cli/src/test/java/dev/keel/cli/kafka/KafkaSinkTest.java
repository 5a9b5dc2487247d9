package dev.keel.cli.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.keel.cli.Cli;
import dev.keel.engine.LocalRun;
import dev.keel.engine.SinkFactory;
import dev.keel.engine.TaskExecutor;
import dev.keel.runtime.FenceRefusedException;
import dev.keel.runtime.Sink;
import dev.keel.runtime.SinkSession;
import dev.keel.runtime.TaskControl;
import dev.keel.runtime.TaskRef;
import dev.keel.spec.PipelineSpec;
import dev.keel.spec.SpecReader;
import dev.keel.store.ClaimedTask;
import dev.keel.store.Database;
import dev.keel.store.MetadataStore;
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

  /**
   * Waits until every transaction committed or aborted so far is settled in the topic's partitions:
   * a plain message sent now becomes visible to a read_committed consumer only behind them.
   */
  private static List<String> settled(String topic, int partitions) {
    for (int p = 0; p < partitions; p++) {
      topics.send(topic, p, List.of("end"));
    }
    await()
        .atMost(Duration.ofSeconds(60))
        .until(
            () ->
                topics.readCommitted(topic).stream().filter("null=end"::equals).count()
                    == partitions);
    return topics.readCommitted(topic).stream().filter(m -> !m.equals("null=end")).toList();
  }

  private static ClaimedTask claimOne(MetadataStore store, long runId) {
    List<ClaimedTask> claimed = store.tasks().claim("node-a", runId, 1, Duration.ofSeconds(30));
    assertThat(claimed).hasSize(1);
    return claimed.get(0);
  }

  @Test
  void a_retry_after_a_commit_whose_success_was_never_recorded_publishes_nothing_again()
      throws Exception {
    topics.create("indoubt", 2);
    PipelineSpec spec = new SpecReader().read(pipeline("indoubt", ""));
    try (MetadataStore store =
            MetadataStore.open(new Database(TestDatabase.url(), null, null, 4, "test"));
        Sink sink = SinkFactory.create(spec, store.db())) {
      sink.prepare();
      long runId = LocalRun.builder(store).build().create(spec, List.of("a"));
      TaskExecutor executor = TaskExecutor.builder(store, "node-a").build();
      assertThat(executor.execute(claimOne(store, runId), spec, sink, TaskControl.NONE).state())
          .isEqualTo("succeeded");
      // The crash point: Kafka committed the transaction, but the node died before the task's
      // success was recorded; the reaper puts the task back and another attempt claims it.
      TestDatabase.exec(
          "update keel.task set state = 'queued', owner = null where run_id = " + runId);

      TaskExecutor.Outcome again =
          executor.execute(claimOne(store, runId), spec, sink, TaskControl.NONE);

      assertThat(again.state()).as(String.valueOf(again.error())).isEqualTo("succeeded");
      assertThat(again.result().alreadyPublished()).isTrue();
      assertThat(again.result().published()).isEqualTo(200);
    }
    List<String> messages = settled("indoubt", 2);
    assertThat(messages).hasSize(200).doesNotHaveDuplicates();
  }

  @Test
  void a_zombie_attempt_is_fenced_by_kafka_when_a_newer_attempt_starts_and_shows_nothing()
      throws Exception {
    topics.create("zombie", 1);
    PipelineSpec spec = new SpecReader().read(pipeline("zombie", ""));
    try (MetadataStore store =
            MetadataStore.open(new Database(TestDatabase.url(), null, null, 4, "test"));
        Sink sink = SinkFactory.create(spec, store.db())) {
      sink.prepare();
      long runId = LocalRun.builder(store).build().create(spec, List.of("a"));
      ClaimedTask claim = claimOne(store, runId);
      TaskRef task = new TaskRef(claim.id(), runId, "zombie", "a", claim.attempt(), claim.fence());
      SinkSession zombie = sink.begin(task);
      zombie.stage(1, new Object[] {1L, "from the zombie"});
      // A newer attempt at the partition (the zombie paused past its lease, say) starts its
      // producer under the same transactional id before the zombie commits; the keel fence has
      // not moved yet, so it is Kafka that must refuse the zombie.
      try (SinkSession newer = sink.begin(task)) {
        newer.stage(2, new Object[] {2L, "from the newer attempt"});
        newer.publish((position, raw, reason) -> {}, rejected -> true);
      }

      assertThatThrownBy(() -> zombie.publish((position, raw, reason) -> {}, rejected -> true))
          .isInstanceOf(FenceRefusedException.class)
          .hasMessageContaining("Kafka fenced this attempt's producer");
      zombie.close();
    }
    assertThat(settled("zombie", 1))
        .containsExactly("2={\"id\":2,\"customer\":\"from the newer attempt\"}");
  }
}
