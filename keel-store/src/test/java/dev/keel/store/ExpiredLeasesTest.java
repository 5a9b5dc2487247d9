package dev.keel.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keel.testkit.TestDatabase;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The reaper's statement: expired leases back to the queue with their attempt counted, or failed on
 * the last.
 */
class ExpiredLeasesTest {
  /**
   * No node heartbeats in these tests: a day's threshold keeps the shared-outage rule
   * (SharedOutageTest) out.
   */
  static final java.time.Duration NO_SHARED_OUTAGE = java.time.Duration.ofDays(1);

  private static final Duration LEASE = Duration.ofSeconds(30);

  @RegisterExtension final FreshStore db = new FreshStore();

  private static void expireAll() {
    TestDatabase.exec(
        "update keel.task set lease_until = now() - interval '1 second' where state = 'running'");
  }

  @Test
  void an_expired_lease_is_requeued_its_attempt_counted_and_its_attempt_row_closed() {
    db.run("t", 3, "x");
    ClaimedTask t = db.store().tasks().claim("node-a", null, 1, LEASE).get(0);
    expireAll();

    List<ExpiredLeases.Reaped> reaped = db.store().expiredLeases().reap(10, NO_SHARED_OUTAGE);

    assertThat(reaped)
        .containsExactly(
            new ExpiredLeases.Reaped(t.id(), t.runId(), "p", "x", "queued", 1, "node-a", false));
    assertThat(
            TestDatabase.rows(
                "select state, owner, lease_until, finished_at, error from keel.task"))
        .containsExactly("queued|null|null|null|the lease of node node-a expired during attempt 1");
    assertThat(TestDatabase.rows("select outcome, finished_at is not null from keel.task_attempt"))
        .containsExactly("lease expired|t");
    TestDatabase.exec("update keel.task set due_at = now()");
    ClaimedTask again = db.store().tasks().claim("node-b", null, 1, LEASE).get(0);
    assertThat(again.attempt()).isEqualTo(2);
    assertThat(again.fence()).isGreaterThan(t.fence());
  }

  @Test
  void an_expired_lease_of_the_last_attempt_fails_the_task() {
    db.run("t", 1, "x");
    db.store().tasks().claim("node-a", null, 1, LEASE);
    expireAll();
    assertThat(db.store().expiredLeases().reap(10, NO_SHARED_OUTAGE))
        .extracting(ExpiredLeases.Reaped::state)
        .containsExactly("failed");
    assertThat(TestDatabase.rows("select state, finished_at is not null from keel.task"))
        .containsExactly("failed|t");
  }

  @Test
  void a_lease_not_yet_expired_is_left_alone_and_the_limit_is_kept() {
    db.run("t", 3, "x", "y", "z");
    db.store().tasks().claim("node-a", null, 3, LEASE);
    assertThat(db.store().expiredLeases().reap(10, NO_SHARED_OUTAGE)).isEmpty();
    expireAll();
    assertThat(db.store().expiredLeases().reap(2, NO_SHARED_OUTAGE)).hasSize(2);
    assertThat(db.store().expiredLeases().reap(2, NO_SHARED_OUTAGE)).hasSize(1);
    assertThat(TestDatabase.rows("select distinct state from keel.task")).containsExactly("queued");
  }
}
