package dev.keel.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class GroupCommitTest {
  private final ExecutorService threads = Executors.newCachedThreadPool();

  @AfterEach
  void tearDown() {
    threads.shutdownNow();
  }

  @Test
  void a_lone_caller_flushes_at_once_on_its_own_thread() {
    List<List<Integer>> batches = new CopyOnWriteArrayList<>();
    GroupCommit<Integer, Integer> group =
        new GroupCommit<>(
            batch -> {
              batches.add(List.copyOf(batch));
              return batch.stream().map(i -> i * 10).toList();
            });
    assertThat(group.submit(1)).isEqualTo(10);
    assertThat(group.submit(2)).isEqualTo(20);
    assertThat(batches).containsExactly(List.of(1), List.of(2));
  }

  @Test
  void callers_arriving_during_a_flush_go_together_in_the_next_and_each_gets_its_own_result()
      throws Exception {
    CountDownLatch firstFlushHeld = new CountDownLatch(1);
    CountDownLatch releaseFirst = new CountDownLatch(1);
    List<List<Integer>> batches = new CopyOnWriteArrayList<>();
    GroupCommit<Integer, Integer> group =
        new GroupCommit<>(
            batch -> {
              batches.add(List.copyOf(batch));
              if (batch.contains(0)) {
                firstFlushHeld.countDown();
                awaitLatch(releaseFirst);
              }
              return batch.stream().map(i -> i * 10).toList();
            });
    CompletableFuture<Integer> first =
        CompletableFuture.supplyAsync(() -> group.submit(0), threads);
    assertThat(firstFlushHeld.await(10, TimeUnit.SECONDS)).isTrue();
    List<CompletableFuture<Integer>> later = new ArrayList<>();
    for (int i = 1; i <= 5; i++) {
      int item = i;
      later.add(CompletableFuture.supplyAsync(() -> group.submit(item), threads));
    }
    await().atMost(Duration.ofSeconds(10)).until(() -> group.waiting() == 5);
    releaseFirst.countDown();
    assertThat(first.get(10, TimeUnit.SECONDS)).isEqualTo(0);
    for (int i = 1; i <= 5; i++) {
      assertThat(later.get(i - 1).get(10, TimeUnit.SECONDS)).isEqualTo(i * 10);
    }
    assertThat(batches).hasSize(2);
    assertThat(batches.get(0)).containsExactly(0);
    assertThat(batches.get(1)).containsExactlyInAnyOrder(1, 2, 3, 4, 5);
  }

  @Test
  void a_failed_flush_fails_every_caller_in_it_and_the_next_flush_goes_on() {
    GroupCommit<Integer, Integer> group =
        new GroupCommit<>(
            batch -> {
              if (batch.contains(13)) {
                throw new StoreException(
                    "completing tasks", new java.sql.SQLException("connection refused", "08001"));
              }
              return batch;
            });
    assertThatThrownBy(() -> group.submit(13))
        .isInstanceOf(StoreException.class)
        .hasMessageContaining("completing tasks");
    assertThat(group.submit(14)).isEqualTo(14);
  }

  @Test
  void a_flush_with_the_wrong_number_of_results_is_a_bug_reported_to_its_callers() {
    GroupCommit<Integer, Integer> group = new GroupCommit<>(batch -> List.of());
    assertThatThrownBy(() -> group.submit(1))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("0 results for a batch of 1");
  }

  @Test
  void an_error_thrown_by_a_flush_reaches_every_caller_in_it_not_only_the_one_that_flushed()
      throws Exception {
    CountDownLatch firstFlushHeld = new CountDownLatch(1);
    CountDownLatch releaseFirst = new CountDownLatch(1);
    GroupCommit<Integer, Integer> group =
        new GroupCommit<>(
            batch -> {
              if (batch.contains(0)) {
                firstFlushHeld.countDown();
                awaitLatch(releaseFirst);
                return batch;
              }
              throw new AssertionError(
                  "an Error, not a RuntimeException, from the flush of " + batch);
            });
    CompletableFuture<Integer> first =
        CompletableFuture.supplyAsync(() -> group.submit(0), threads);
    assertThat(firstFlushHeld.await(10, TimeUnit.SECONDS)).isTrue();
    // Two callers queue behind the first flush; one of them flushes for both, and that flush
    // throws.
    List<CompletableFuture<Integer>> later = new ArrayList<>();
    for (int i = 1; i <= 2; i++) {
      int item = i;
      later.add(CompletableFuture.supplyAsync(() -> group.submit(item), threads));
    }
    await().atMost(Duration.ofSeconds(10)).until(() -> group.waiting() == 2);
    releaseFirst.countDown();
    assertThat(first.get(10, TimeUnit.SECONDS)).isZero();
    for (CompletableFuture<Integer> f : later) {
      // Before the fix the caller that did not flush got null, as if its item had a null result.
      assertThatThrownBy(() -> f.get(10, TimeUnit.SECONDS))
          .hasRootCauseInstanceOf(AssertionError.class);
    }
    // And the instance still works.
    assertThat(group.submit(0)).isZero();
  }

  @Test
  void
      a_flush_that_submits_to_its_own_group_commit_is_refused_instead_of_waiting_for_itself_forever()
          throws Exception {
    GroupCommit<Integer, Integer>[] self = new GroupCommit[1];
    self[0] =
        new GroupCommit<>(
            batch -> {
              if (batch.contains(1)) {
                self[0].submit(2);
              }
              return batch;
            });
    CompletableFuture<Integer> outer = new CompletableFuture<>();
    Thread t =
        new Thread(
            () -> {
              try {
                outer.complete(self[0].submit(1));
              } catch (Throwable e) {
                outer.completeExceptionally(e);
              }
            },
            "reentrant-submit");
    t.setDaemon(true); // before the fix it never ends (awaitUninterruptibly on its own flush)
    t.start();
    assertThatThrownBy(() -> outer.get(10, TimeUnit.SECONDS))
        .hasRootCauseInstanceOf(IllegalStateException.class)
        .hasMessageContaining("own flush would wait for itself");
    assertThat(self[0].submit(3)).isEqualTo(3);
  }

  private static void awaitLatch(CountDownLatch latch) {
    try {
      latch.await(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
