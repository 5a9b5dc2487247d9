package dev.keel.engine.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.keel.store.Database;
import dev.keel.store.MetadataStore;
import dev.keel.testkit.TestDatabase;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Complete-and-claim: nodes record their finished tasks and claim their next ones in one statement,
 * and never hold more tasks than they have slots. (The statement itself, fences included:
 * keel-store's TasksCompleteAndClaimTest.)
 */
class CompleteAndClaimTest {
  private MetadataStore store;
  private long version;

  @BeforeEach
  void setUp() {
    TestDatabase.reset();
    store = MetadataStore.open(new Database(TestDatabase.url(), null, null, 20, "test"));
    version = store.versions().save("noop", "noop", "name: noop", null);
  }

  @AfterEach
  void tearDown() {
    store.close();
  }

  private long run(int tasks) {
    List<String> partitions = new ArrayList<>();
    for (int i = 0; i < tasks; i++) {
      partitions.add("p" + i);
    }
    return store.runs().create("noop", version, "test", Instant.now(), partitions, 3).orElseThrow();
  }

  @Test
  void three_nodes_run_every_task_once_never_above_their_slots_and_claim_with_their_completions() {
    int tasks = 1500;
    int slots = 4;
    long runId = run(tasks);
    MetadataStore coordination =
        MetadataStore.attach(new Database(TestDatabase.url(), null, null, 3, "test-coordination"));
    List<NoopNode> nodes = new ArrayList<>();
    try {
      for (int n = 0; n < 3; n++) {
        NoopNode node = new NoopNode(store, coordination, "node-" + n, slots);
        nodes.add(node);
        node.start();
      }
      await()
          .atMost(Duration.ofSeconds(120))
          .until(() -> "succeeded".equals(store.runs().state(runId)));
    } finally {
      nodes.forEach(NoopNode::close);
      coordination.close();
    }
    assertThat(
            TestDatabase.count(
                "select count(*) from keel.task where run_id = "
                    + runId
                    + " and state = 'succeeded' and attempt = 1"))
        .isEqualTo(tasks);
    assertThat(TestDatabase.count("select count(*) from keel.task_attempt")).isEqualTo(tasks);
    assertThat(
            TestDatabase.count(
                "select count(*) from keel.task_attempt where outcome is distinct from 'succeeded'"))
        .isZero();
    // Slots: at no claim did a node hold more than its slots (half-open intervals: a task claimed
    // by
    // the statement that completed another starts at that one's end).
    assertThat(
            TestDatabase.count(
                """
        select coalesce(max(c), 0) from (
          select (select count(*) from keel.task_attempt b where b.node = a.node
                    and b.started_at <= a.started_at and b.finished_at > a.started_at) c
          from keel.task_attempt a) x"""))
        .isBetween(1L, (long) slots);
    // Most claims rode on a completion statement of the same node (same transaction, same now()).
    long riding =
        TestDatabase.count(
            """
        select count(*) from keel.task_attempt a where exists (
          select 1 from keel.task_attempt b where b.node = a.node and b.finished_at = a.started_at)""");
    assertThat(riding).isGreaterThan(tasks / 2);
    assertThat(store.runs().state(runId)).isEqualTo("succeeded");
  }
}
