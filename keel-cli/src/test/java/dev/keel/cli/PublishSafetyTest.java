package dev.keel.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keel.engine.LocalRun;
import dev.keel.engine.SinkFactory;
import dev.keel.engine.TaskExecutor;
import dev.keel.runtime.Sink;
import dev.keel.runtime.TaskControl;
import dev.keel.spec.PipelineSpec;
import dev.keel.spec.SpecReader;
import dev.keel.store.ClaimedTask;
import dev.keel.store.Database;
import dev.keel.store.MetadataStore;
import dev.keel.testkit.TestDatabase;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The hard cases of publishing: in-doubt commits, stale fences, and a stop asked before publish.
 */
class PublishSafetyTest {
  @TempDir Path dir;

  private MetadataStore store;
  private PipelineSpec spec;
  private Sink sink;

  @BeforeEach
  void setUp() throws IOException {
    TestDatabase.reset();
    Files.writeString(dir.resolve("items.csv"), "id,name\n1,a\n2,b\n3,c\n");
    Path file = dir.resolve("items.yaml");
    Files.writeString(
        file,
        """
        name: items
        source: { csv: { path: items.csv } }
        columns: { id: bigint, name: text }
        sink: { postgres: { mode: append } }
        """);
    spec = new SpecReader().read(file);
    store = MetadataStore.open(new Database(TestDatabase.url(), null, null, 4, "test"));
    sink = SinkFactory.create(spec, store.db());
    sink.prepare();
  }

  @AfterEach
  void tearDown() {
    sink.close();
    store.close();
  }

  private ClaimedTask claimOne(long runId) {
    List<ClaimedTask> claimed = store.tasks().claim("node-a", runId, 1, Duration.ofSeconds(30));
    assertThat(claimed).hasSize(1);
    return claimed.get(0);
  }

  @Test
  void append_retried_after_an_in_doubt_commit_does_not_append_twice() {
    LocalRun run = LocalRun.builder(store).build();
    long runId = run.create(spec, List.of("all"));
    TaskExecutor executor = TaskExecutor.builder(store, "node-a").build();
    assertThat(executor.execute(claimOne(runId), spec, sink, TaskControl.NONE).state())
        .isEqualTo("succeeded");
    // The commit landed but the node never heard it: the task is still queued as far as the queue
    // knows.
    TestDatabase.exec(
        "update keel.task set state = 'queued', owner = null where run_id = " + runId);

    TaskExecutor.Outcome again = executor.execute(claimOne(runId), spec, sink, TaskControl.NONE);

    assertThat(again.state()).isEqualTo("succeeded");
    assertThat(again.result().alreadyPublished()).isTrue();
    assertThat(TestDatabase.count("select count(*) from items")).isEqualTo(3);
  }

  @Test
  void a_publish_with_a_stale_fencing_token_is_refused_and_writes_nothing() {
    long runId = LocalRun.builder(store).build().create(spec, List.of("all"));
    ClaimedTask zombie = claimOne(runId);
    // A newer claim of the same partition (another node, after this one's lease expired) fenced it.
    sink.fence("all", zombie.fence() + 1000);
    TaskExecutor executor = TaskExecutor.builder(store, "node-a").build();

    TaskExecutor.Outcome outcome = executor.execute(zombie, spec, sink, TaskControl.NONE);

    assertThat(outcome.state()).isEqualTo("failed");
    assertThat(outcome.error()).contains("fence refused").contains("publishes nothing");
    assertThat(TestDatabase.count("select count(*) from items")).isZero();
  }

  @Test
  void work_stopped_by_its_owner_publishes_nothing() {
    long runId = LocalRun.builder(store).build().create(spec, List.of("all"));
    ClaimedTask task = claimOne(runId);

    TaskExecutor.Outcome outcome =
        TaskExecutor.builder(store, "node-a").build().execute(task, spec, sink, () -> "lease lost");

    assertThat(outcome.error()).contains("stopped before publishing: lease lost");
    assertThat(TestDatabase.count("select count(*) from items")).isZero();
  }

  @Test
  void a_completion_with_a_stale_token_is_refused_by_the_queue() {
    long runId = LocalRun.builder(store).build().create(spec, List.of("all"));
    ClaimedTask first = claimOne(runId);
    // The lease expired and another claim took the task: its token moved on.
    TestDatabase.exec("update keel.task set state = 'queued' where run_id = " + runId);
    ClaimedTask second = claimOne(runId);
    assertThat(second.fence()).isGreaterThan(first.fence());
    sink.fence("all", second.fence());

    TaskExecutor.Outcome late =
        TaskExecutor.builder(store, "node-a").build().execute(first, spec, sink, TaskControl.NONE);

    assertThat(late.state()).isEqualTo("lost");
    assertThat(TestDatabase.rows("select state, fence from keel.task"))
        .containsExactly("running|" + second.fence());
    assertThat(TestDatabase.count("select count(*) from items")).isZero();
  }
}
