package dev.keel.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keel.testkit.TestDatabase;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Complete-and-claim ({@link Tasks#succeedAndClaim}): a node records its finished tasks and claims
 * its next ones in one statement, each success fenced on its own. (Nodes that never hold more than
 * their slots: keel-engine's CompleteAndClaimTest.)
 */
class TasksCompleteAndClaimTest {
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
  void one_statement_records_each_current_success_refuses_a_stale_one_and_claims_the_next_tasks() {
    long runId = run(6);
    List<ClaimedTask> held = store.tasks().claim("node-a", null, 3, Duration.ofSeconds(30));
    assertThat(held).hasSize(3);
    store.runs().refresh(runId);
    // The third was taken over meanwhile: its fence moved on.
    TestDatabase.exec(
        "update keel.task set fence = nextval('keel.fence_seq') where id = " + held.get(2).id());

    List<Tasks.Success> successes =
        held.stream().map(t -> new Tasks.Success(t, new TaskCounts(5, 1, 1, 3))).toList();
    Tasks.Exchange x =
        store.tasks().succeedAndClaim(successes, "node-a", 2, Duration.ofSeconds(30));

    assertThat(x.succeeded()).containsExactlyInAnyOrder(held.get(0).id(), held.get(1).id());
    assertThat(x.claimed())
        .hasSize(2)
        .allSatisfy(t -> assertThat(t.fence()).isGreaterThan(held.get(2).fence()));
    assertThat(x.runsRunning()).containsExactly(runId);
    assertThat(
            TestDatabase.rows(
                "select state, rows_read, rows_published from keel.task where id in ("
                    + held.get(0).id()
                    + ","
                    + held.get(1).id()
                    + ") order by id"))
        .containsExactly("succeeded|5|3", "succeeded|5|3");
    assertThat(TestDatabase.rows("select state from keel.task where id = " + held.get(2).id()))
        .containsExactly("running");
    // Attempt rows: the two successes closed, the stale claim's left open, one opened per new
    // claim.
    assertThat(
            TestDatabase.rows(
                "select outcome from keel.task_attempt where task_id in ("
                    + held.get(0).id()
                    + ","
                    + held.get(1).id()
                    + ")"))
        .containsExactly("succeeded", "succeeded");
    for (ClaimedTask t : x.claimed()) {
      assertThat(
              TestDatabase.rows(
                  "select node, outcome, attempt from keel.task_attempt where task_id = " + t.id()))
          .containsExactly("node-a|null|1");
    }
    // Recorded and claimed in one transaction: one now() for both.
    assertThat(
            TestDatabase.count(
                """
        select count(distinct t) from (select finished_at t from keel.task_attempt where outcome = 'succeeded'
        union all select started_at from keel.task_attempt where task_id in (%d, %d)) x"""
                    .formatted(x.claimed().get(0).id(), x.claimed().get(1).id())))
        .isEqualTo(1);
  }

  @Test
  void
      recording_a_success_again_after_a_lost_answer_is_harmless_and_a_stale_fence_still_is_refused() {
    run(2);
    List<ClaimedTask> held = store.tasks().claim("node-a", null, 2, Duration.ofSeconds(30));
    Tasks.Success first = new Tasks.Success(held.get(0), new TaskCounts(7, 0, 0, 7));
    assertThat(
            store
                .tasks()
                .succeedAndClaim(List.of(first), "node-a", 0, Duration.ofSeconds(30))
                .succeeded())
        .containsExactly(held.get(0).id());
    // The retry of a commit whose answer was lost: the same claim's success again.
    assertThat(
            store
                .tasks()
                .succeedAndClaim(List.of(first), "node-a", 0, Duration.ofSeconds(30))
                .succeeded())
        .containsExactly(held.get(0).id());
    assertThat(
            TestDatabase.rows(
                "select state, rows_published from keel.task where id = " + held.get(0).id()))
        .containsExactly("succeeded|7");
    // Taken over, then finished by the other claim: the first claim's success is refused.
    TestDatabase.exec(
        "update keel.task set fence = nextval('keel.fence_seq'), state = 'succeeded' where id = "
            + held.get(1).id());
    assertThat(
            store
                .tasks()
                .succeedAndClaim(
                    List.of(new Tasks.Success(held.get(1), new TaskCounts(1, 0, 0, 1))),
                    "node-a",
                    0,
                    Duration.ofSeconds(30))
                .succeeded())
        .isEmpty();
  }

  @Test
  void a_run_not_yet_marked_running_is_not_reported_running_so_its_completions_refresh_it() {
    long runId = run(3);
    List<ClaimedTask> held = store.tasks().claim("node-a", null, 1, Duration.ofSeconds(30));
    Tasks.Exchange x =
        store
            .tasks()
            .succeedAndClaim(
                List.of(new Tasks.Success(held.get(0), new TaskCounts(0, 0, 0, 0))),
                "node-a",
                1,
                Duration.ofSeconds(30));
    assertThat(x.claimed()).hasSize(1);
    assertThat(x.runsRunning()).isEmpty();
    assertThat(store.runs().state(runId)).isEqualTo("queued");
  }
}
