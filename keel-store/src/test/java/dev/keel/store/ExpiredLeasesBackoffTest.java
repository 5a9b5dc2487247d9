package dev.keel.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keel.spec.RetrySpec;
import dev.keel.testkit.TestDatabase;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The reaper's statement ({@link ExpiredLeases}) requeues an expired lease after the pipeline's own
 * retry backoff, jitter mode included.
 */
class ExpiredLeasesBackoffTest {
  private MetadataStore store;
  private long version;

  @BeforeEach
  void setUp() {
    TestDatabase.reset();
    store = MetadataStore.open(new Database(TestDatabase.url(), null, null, 4, "test"));
    version = store.versions().save("p", "h", "name: p", null);
  }

  @AfterEach
  void tearDown() {
    store.close();
  }

  /**
   * Seconds from each reap (the attempt row's end, same transaction) to the task's next due time.
   */
  private List<Double> delaysAfterExpiry(RetrySpec retry, int tasks, int expiries) {
    List<String> partitions = new ArrayList<>();
    for (int i = 0; i < tasks; i++) {
      partitions.add("p" + i);
    }
    long run =
        store.runs().create("p", version, "t", Instant.now(), partitions, retry).orElseThrow();
    for (int i = 0; i < expiries; i++) {
      TestDatabase.exec("update keel.task set due_at = now() where run_id = " + run);
      assertThat(store.tasks().claim("node-a", run, tasks, Duration.ofSeconds(30))).hasSize(tasks);
      TestDatabase.exec(
          "update keel.task set lease_until = now() - interval '1 second' where run_id = " + run);
      // No node heartbeats here: a day's threshold keeps the shared-outage rule out of this test.
      List<ExpiredLeases.Reaped> reaped = store.expiredLeases().reap(100, Duration.ofDays(1));
      assertThat(reaped).hasSize(tasks).allSatisfy(r -> assertThat(r.state()).isEqualTo("queued"));
    }
    return TestDatabase.rows(
            """
        select extract(epoch from t.due_at - a.finished_at) from keel.task t
        join keel.task_attempt a on a.task_id = t.id and a.attempt = t.attempt
        where t.run_id = %d order by t.id"""
                .formatted(run))
        .stream()
        .map(Double::parseDouble)
        .toList();
  }

  @Test
  void without_jitter_the_delay_is_exactly_the_exponential_ceiling() {
    // Two expiries: the second requeue waits backoff * 2.
    List<Double> delays =
        delaysAfterExpiry(
            new RetrySpec(5, Duration.ofSeconds(3), Duration.ofMinutes(1), RetrySpec.Jitter.NONE),
            5,
            2);
    assertThat(delays).hasSize(5).allSatisfy(d -> assertThat(d).isEqualTo(6.0));
  }

  @Test
  void with_full_jitter_the_delays_spread_below_the_ceiling() {
    List<Double> delays =
        delaysAfterExpiry(new RetrySpec(5, Duration.ofSeconds(3), Duration.ofMinutes(1)), 20, 1);
    assertThat(delays).hasSize(20).allSatisfy(d -> assertThat(d).isBetween(0.0, 3.0));
    assertThat(delays.stream().distinct().count()).isGreaterThan(10);
  }

  @Test
  void the_ceiling_stops_at_max_backoff() {
    List<Double> delays =
        delaysAfterExpiry(
            new RetrySpec(9, Duration.ofSeconds(4), Duration.ofSeconds(10), RetrySpec.Jitter.NONE),
            2,
            3);
    assertThat(delays).containsExactly(10.0, 10.0);
  }
}
