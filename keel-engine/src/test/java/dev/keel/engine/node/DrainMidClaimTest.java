package dev.keel.engine.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.keel.runtime.TaskOutcome;
import dev.keel.store.Database;
import dev.keel.store.MetadataStore;
import dev.keel.store.TaskCompletions;
import dev.keel.store.TaskCounts;
import dev.keel.testkit.TestDatabase;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A drain that starts while a claim of the node is in flight (a completion statement that claims,
 * or a worker's claim after its task): what that statement claims is given back, not run, and
 * {@link Workers#awaitIdle} does not report the node idle before it returns. The statement is held
 * in flight by a lock the test takes; nothing sleeps.
 */
class DrainMidClaimTest {
  private MetadataStore store;
  private long version;
  private Workers workers;

  @BeforeEach
  void setUp() {
    TestDatabase.reset();
    store = MetadataStore.open(new Database(TestDatabase.url(), null, null, 10, "test"));
    version = store.versions().save("noop", "noop", "name: noop", null);
  }

  @AfterEach
  void tearDown() {
    if (workers != null) {
      workers.shutdown();
    }
    store.close();
  }

  private long taskId(String partition) {
    return TestDatabase.count("select id from keel.task where partition = '" + partition + "'");
  }

  private static long waitingOnALock(String queryFragment) {
    return TestDatabase.count(
        "select count(*) from pg_stat_activity where wait_event_type = 'Lock' and query like '%"
            + queryFragment
            + "%'");
  }

  @Test
  void
      a_drain_that_starts_while_a_completion_statement_claims_gives_its_claims_back_instead_of_running_them()
          throws Exception {
    store
        .runs()
        .create("noop", version, "test", Instant.now(), List.of("p0", "p1"), 3)
        .orElseThrow();
    NodeConfig config = NodeConfig.builder("node-a").workers(1).poll(Duration.ofHours(1)).build();
    HeldTasks held = new HeldTasks(config.lease(), false, config.clock());
    TaskCompletions completions = new TaskCompletions(store);
    CountDownLatch firstRunning = new CountDownLatch(1);
    CountDownLatch finishFirst = new CountDownLatch(1);
    List<String> ran = new CopyOnWriteArrayList<>();
    workers =
        new Workers(
            store,
            config,
            held,
            completions,
            (task, control) -> {
              ran.add(task.partition());
              if (task.partition().equals("p0")) {
                firstRunning.countDown();
                awaitLatch(finishFirst);
              }
              if (completions.succeed(task, new TaskCounts(0, 0, 0, 0))) {
                completions.refresh(task.runId());
              }
              return TaskOutcome.SUCCEEDED;
            });
    workers.start();
    assertThat(firstRunning.await(30, TimeUnit.SECONDS)).isTrue();

    try (Connection blocker = DriverManager.getConnection(TestDatabase.url());
        Statement st = blocker.createStatement()) {
      blocker.setAutoCommit(false);
      st.execute("select 1 from keel.task where id = " + taskId("p0") + " for update");
      finishFirst.countDown();
      // p0's completion statement (which also claims for p0's slot) now waits for p0's row.
      await().atMost(Duration.ofSeconds(30)).until(() -> waitingOnALock("unnest") == 1);
      workers.stopClaiming(); // SIGTERM: the drain begins while that claim is in flight
      blocker.commit();
    }
    await().atMost(Duration.ofSeconds(30)).until(() -> workers.awaitIdle(Duration.ZERO) == 0);

    // Before the fix p1, claimed by a statement that returned after the drain began, was run.
    assertThat(ran).containsExactly("p0");
    assertThat(TestDatabase.rows("select partition, state, attempt from keel.task order by id"))
        .containsExactly("p0|succeeded|1", "p1|queued|0");
  }

  @Test
  void a_drain_does_not_find_the_node_idle_while_a_claim_after_a_task_is_in_flight()
      throws Exception {
    store
        .runs()
        .create("noop", version, "test", Instant.now(), List.of("p0", "p1"), 3)
        .orElseThrow();
    NodeConfig config = NodeConfig.builder("node-a").workers(1).poll(Duration.ofHours(1)).build();
    HeldTasks held = new HeldTasks(config.lease(), false, config.clock());
    CountDownLatch firstRunning = new CountDownLatch(1);
    CountDownLatch finishFirst = new CountDownLatch(1);
    List<String> ran = new CopyOnWriteArrayList<>();
    workers =
        new Workers(
            store,
            config,
            held,
            new TaskCompletions(store),
            (task, control) -> {
              ran.add(task.partition());
              if (task.partition().equals("p0")) {
                firstRunning.countDown();
                awaitLatch(finishFirst);
              }
              return TaskOutcome
                  .SUCCEEDED; // records nothing: this test is about the claim after the task
            });
    workers.start();
    assertThat(firstRunning.await(30, TimeUnit.SECONDS)).isTrue();

    try (Connection blocker = DriverManager.getConnection(TestDatabase.url());
        Statement st = blocker.createStatement()) {
      blocker.setAutoCommit(false);
      st.execute("lock table keel.task_attempt in share mode");
      finishFirst.countDown();
      // The worker, its task done and removed from the held tasks, claims the next: that claim
      // waits.
      await()
          .atMost(Duration.ofSeconds(30))
          .until(
              () ->
                  // by the lock, not the statement's text: pg_stat_activity keeps only its first
                  // 1 kB, and the claim's INSERT comes after its CTEs
                  TestDatabase.count(
                          "select count(*) from pg_locks where not granted"
                              + " and relation = 'keel.task_attempt'::regclass")
                      == 1);
      workers.stopClaiming();
      // ClusterNode.drain goes on to deregister and shut the pool down as soon as this says 0; the
      // claim in flight would then commit a task nobody runs or renews. Before the fix: 0.
      assertThat(workers.awaitIdle(Duration.ZERO)).isEqualTo(1);
      blocker.commit();
    }
    await().atMost(Duration.ofSeconds(30)).until(() -> workers.awaitIdle(Duration.ZERO) == 0);
    assertThat(ran).containsExactly("p0");
    assertThat(
            TestDatabase.rows(
                "select partition, state, attempt from keel.task where partition = 'p1'"))
        .containsExactly("p1|queued|0");
  }

  private static void awaitLatch(CountDownLatch latch) {
    try {
      latch.await(30, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
