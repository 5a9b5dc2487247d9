package dev.keel.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.zaxxer.hikari.HikariDataSource;
import dev.keel.testkit.TestDatabase;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A node judges a claim's lease from when the claiming statement was sent. After an outage the pool
 * can keep a claim waiting for a connection longer than a lease; a time taken before that wait made
 * a node stop a task it had just claimed, as if its lease had run out, and the task's lease then
 * expired unrenewed (seen in DatabaseOutageTest, 2026-11-29).
 */
class ClaimSentTimeTest {
  static final Duration LEASE = Duration.ofSeconds(30);

  @RegisterExtension final FreshStore fresh = new FreshStore();

  @Test
  void a_claim_that_waited_for_a_connection_is_timed_from_when_it_was_sent() throws Exception {
    long run = fresh.run("t", 3, "a", "b");

    Timed<List<ClaimedTask>> claim =
        whileTheOnlyConnectionIsHeld(
            (store, sending) -> store.tasks().claim("node-a", null, run, 1, LEASE, sending));

    assertThat(claim.result()).hasSize(1);
    assertThat(claim.sent()).isAfterOrEqualTo(claim.released()).isAfter(claim.asked());
  }

  @Test
  void a_success_that_claimed_after_waiting_for_a_connection_gives_the_node_the_time_it_was_sent()
      throws Exception {
    long run = fresh.run("t", 3, "a", "b");
    ClaimedTask first = fresh.store().tasks().claim("node-a", run, 1, LEASE).get(0);
    AtomicReference<Instant> toldSent = new AtomicReference<>();
    AtomicReference<List<ClaimedTask>> toldClaimed = new AtomicReference<>();

    Timed<Boolean> success =
        whileTheOnlyConnectionIsHeld(
            (store, sending) -> {
              TaskCompletions completions = new TaskCompletions(store);
              completions.refillWith(
                  "node-a",
                  LEASE,
                  Clock.systemUTC(),
                  new TaskCompletions.Refill() {
                    @Override
                    public int reserve(List<ClaimedTask> finishing) {
                      return 1;
                    }

                    @Override
                    public void claimed(
                        int reserved,
                        List<ClaimedTask> finishing,
                        List<ClaimedTask> claimed,
                        Instant sent,
                        boolean failed) {
                      toldClaimed.set(claimed);
                      toldSent.set(sent);
                    }
                  });
              return completions.succeed(first, new TaskCounts(1, 0, 0, 1));
            });

    assertThat(toldClaimed.get()).hasSize(1);
    assertThat(toldSent.get())
        .as("the claims' leases began when the statement was sent, after the wait")
        .isAfterOrEqualTo(success.released());
  }

  interface Call<T> {
    T run(MetadataStore store, Runnable sending);
  }

  record Timed<T>(T result, Instant asked, Instant released, Instant sent) {}

  /**
   * Runs {@code call} on a store whose pool has one connection, held by another thread until the
   * call is seen waiting for it; returns when the call was made, when the connection was let go,
   * and when the call said it sent its statement.
   */
  private static <T> Timed<T> whileTheOnlyConnectionIsHeld(Call<T> call) throws Exception {
    try (Database one = new Database(TestDatabase.url(), null, null, 1, "one")) {
      MetadataStore store = MetadataStore.attach(one);
      CountDownLatch held = new CountDownLatch(1);
      CountDownLatch release = new CountDownLatch(1);
      CompletableFuture<Void> holder =
          CompletableFuture.runAsync(
              () ->
                  one.withConnection(
                      "holding the only connection",
                      c -> {
                        held.countDown();
                        awaitQuietly(release);
                        return null;
                      }));
      held.await();

      AtomicReference<Instant> sent = new AtomicReference<>();
      Instant asked = Instant.now();
      CompletableFuture<T> result =
          CompletableFuture.supplyAsync(() -> call.run(store, () -> sent.set(Instant.now())));
      HikariDataSource pool = (HikariDataSource) one.dataSource();
      await()
          .atMost(Duration.ofSeconds(10))
          .until(() -> pool.getHikariPoolMXBean().getThreadsAwaitingConnection() == 1);
      Instant released = Instant.now();
      release.countDown();
      holder.get();
      return new Timed<>(result.get(), asked, released, sent.get());
    }
  }

  private static void awaitQuietly(CountDownLatch latch) {
    try {
      latch.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
