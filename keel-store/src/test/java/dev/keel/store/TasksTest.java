package dev.keel.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.keel.runtime.TaskOutcome;
import dev.keel.testkit.TestDatabase;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The task queue's own statements: SKIP LOCKED claims and writes fenced by the claim's token. */
class TasksTest {
  private static final Duration LEASE = Duration.ofSeconds(30);

  @RegisterExtension final FreshStore db = new FreshStore();

  private Tasks tasks() {
    return db.store().tasks();
  }

  private static String[] partitions(int n) {
    String[] out = new String[n];
    for (int i = 0; i < n; i++) {
      out[i] = "p" + i;
    }
    return out;
  }

  @Test
  void two_concurrent_claimers_each_get_every_task_at_most_once_and_together_all_of_them()
      throws Exception {
    int n = 300;
    db.run("t", 3, partitions(n));
    CountDownLatch start = new CountDownLatch(1);
    ExecutorService threads = Executors.newFixedThreadPool(2);
    try {
      List<Future<List<ClaimedTask>>> claimers = new ArrayList<>();
      for (String node : List.of("node-a", "node-b")) {
        Callable<List<ClaimedTask>> claimer =
            () -> {
              start.await();
              List<ClaimedTask> mine = new ArrayList<>();
              for (List<ClaimedTask> got = tasks().claim(node, null, 7, LEASE);
                  !got.isEmpty();
                  got = tasks().claim(node, null, 7, LEASE)) {
                mine.addAll(got);
              }
              return mine;
            };
        claimers.add(threads.submit(claimer));
      }
      start.countDown();
      List<ClaimedTask> all = new ArrayList<>(claimers.get(0).get());
      all.addAll(claimers.get(1).get());
      Set<Long> ids = new HashSet<>();
      all.forEach(t -> ids.add(t.id()));
      assertThat(all).hasSize(n);
      assertThat(ids).hasSize(n);
      assertThat(all).allSatisfy(t -> assertThat(t.attempt()).isEqualTo(1));
      assertThat(TestDatabase.count("select count(*) from keel.task_attempt")).isEqualTo(n);
      assertThat(TestDatabase.count("select count(distinct fence) from keel.task")).isEqualTo(n);
      assertThat(TestDatabase.rows("select distinct state from keel.task"))
          .containsExactly("running");
    } finally {
      threads.shutdownNow();
    }
  }

  @Test
  void a_claim_takes_a_new_fence_the_database_lease_and_opens_an_attempt_row() {
    long run = db.run("t", 3, "x");
    ClaimedTask t = tasks().claim("node-a", run, 5, LEASE).get(0);
    assertThat(t.runId()).isEqualTo(run);
    assertThat(t.partition()).isEqualTo("x");
    assertThat(t.maxAttempts()).isEqualTo(3);
    assertThat(
            TestDatabase.rows(
                "select state, owner, attempt, fence = "
                    + t.fence()
                    + ", lease_until between now() + interval '29 seconds' and now() + interval '31 seconds' from keel.task where id = "
                    + t.id()))
        .containsExactly("running|node-a|1|t|t");
    assertThat(
            TestDatabase.rows(
                "select node, attempt, fence, outcome from keel.task_attempt where task_id = "
                    + t.id()))
        .containsExactly("node-a|1|" + t.fence() + "|null");
    assertThat(tasks().claim("node-b", run, 5, LEASE)).isEmpty();
  }

  @Test
  void tasks_of_a_paused_pipeline_are_not_claimed_until_it_is_resumed() {
    db.run("t", 3, "x");
    TestDatabase.exec("insert into keel.pipeline_pause (pipeline) values ('p')");
    assertThat(tasks().claim("node-a", null, 5, LEASE)).isEmpty();
    TestDatabase.exec("delete from keel.pipeline_pause");
    assertThat(tasks().claim("node-a", null, 5, LEASE)).hasSize(1);
  }

  @Test
  void a_failure_recorded_with_a_stale_fence_changes_no_row_and_is_refused() {
    db.run("t", 3, "x");
    ClaimedTask t = tasks().claim("node-a", null, 1, LEASE).get(0);
    FreshStore.takeOver(t.id());
    String before = TestDatabase.rows("select * from keel.task where id = " + t.id()).get(0);

    assertThatThrownBy(
            () -> tasks().fail(t, "boom", true, Duration.ZERO, new TaskCounts(1, 0, 0, 0)))
        .isInstanceOf(LeaseLostException.class)
        .hasMessageContaining("taken over");
    assertThat(tasks().release(t)).isFalse();
    assertThat(tasks().waitFor(t, "sink down", Duration.ofSeconds(5))).isFalse();

    assertThat(TestDatabase.rows("select * from keel.task where id = " + t.id()))
        .containsExactly(before);
    assertThat(TestDatabase.rows("select outcome from keel.task_attempt where task_id = " + t.id()))
        .containsExactly("null");
  }

  @Test
  void a_transient_failure_with_attempts_left_is_queued_again_and_a_permanent_one_fails_the_task() {
    db.run("t", 3, "x", "y");
    List<ClaimedTask> held = tasks().claim("node-a", null, 2, LEASE);
    assertThat(
            tasks()
                .fail(
                    held.get(0),
                    "connection reset",
                    true,
                    Duration.ZERO,
                    new TaskCounts(4, 0, 0, 0)))
        .isEqualTo(TaskOutcome.RETRY);
    assertThat(
            tasks()
                .fail(held.get(1), "bad column", false, Duration.ZERO, new TaskCounts(4, 0, 0, 0)))
        .isEqualTo(TaskOutcome.FAILED);
    assertThat(
            TestDatabase.rows(
                "select partition, state, owner, finished_at is null, error from keel.task order by partition"))
        .containsExactly("x|queued|null|t|connection reset", "y|failed|null|f|bad column");
    assertThat(TestDatabase.rows("select outcome from keel.task_attempt order by task_id"))
        .containsExactly("retry", "failed");
    // The retry is a new claim: attempt 2, a higher fence.
    ClaimedTask again = tasks().claim("node-b", null, 5, LEASE).get(0);
    assertThat(again.attempt()).isEqualTo(2);
    assertThat(again.fence()).isGreaterThan(held.get(1).fence());
  }

  @Test
  void a_released_or_waiting_task_is_queued_again_with_its_attempt_given_back() {
    db.run("t", 3, "x", "y");
    List<ClaimedTask> held = tasks().claim("node-a", null, 2, LEASE);
    assertThat(tasks().release(held.get(0))).isTrue();
    assertThat(tasks().waitFor(held.get(1), "sink down", Duration.ofMinutes(5))).isTrue();
    assertThat(
            TestDatabase.rows(
                "select partition, state, attempt, owner, due_at > now() + interval '4 minutes', error"
                    + " from keel.task order by partition"))
        .containsExactly("x|queued|0|null|f|null", "y|queued|0|null|t|sink down");
    assertThat(TestDatabase.rows("select outcome from keel.task_attempt order by task_id"))
        .containsExactly("released", "waiting");
  }

  @Test
  void renewing_extends_the_leases_of_the_nodes_running_tasks_only() {
    db.run("t", 3, "x", "y");
    tasks().claim("node-a", null, 1, LEASE);
    tasks().claim("node-b", null, 1, LEASE);
    TestDatabase.exec("update keel.task set lease_until = now()");
    assertThat(tasks().renew("node-a", Duration.ofMinutes(10))).isEqualTo(1);
    assertThat(
            TestDatabase.rows(
                "select owner, lease_until > now() + interval '9 minutes' from keel.task order by owner"))
        .containsExactly("node-a|t", "node-b|f");
  }

  @Test
  void a_nodes_claims_leave_the_runs_of_keel_replay_to_their_own_process() {
    long replay = db.run("manual:replay:p0", 3, "p0");
    long manual = db.run("manual:cli-1234", 3, "p0");

    assertThat(tasks().claim("node-a", null, 10, LEASE))
        .extracting(ClaimedTask::runId)
        .containsExactly(manual);
    assertThat(tasks().claim("cli-5678", replay, 10, LEASE)).hasSize(1);
  }
}
