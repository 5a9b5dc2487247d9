package dev.keel.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.keel.testkit.TestDatabase;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A node's process dying ends its database session, and its tasks are reaped at once, long before
 * their leases run out; a node whose session lives, or whose session was taken on a server that has
 * since restarted or failed over, keeps its tasks until the lease.
 */
class NodeSessionTest {
  static final Duration NO_SHARED_OUTAGE = Duration.ofDays(1);
  static final Duration LEASE = Duration.ofMinutes(10);

  @RegisterExtension final FreshStore db = new FreshStore();

  ClaimedTask claimAsNode(String node) {
    db.store().nodes().register(node, "host", 1, null);
    return db.store().tasks().claim(node, null, 1, LEASE).get(0);
  }

  /** A closed connection's backend ends a moment later. */
  static void awaitLocksReleased() {
    await()
        .atMost(Duration.ofSeconds(30))
        .until(
            () ->
                TestDatabase.count(
                        "select count(*) from pg_locks where locktype = 'advisory' and classid = "
                            + NodeSession.LOCK_CLASS)
                    == 0);
  }

  List<ExpiredLeases.Reaped> reap() {
    return db.store().expiredLeases().reap(10, NO_SHARED_OUTAGE);
  }

  @Test
  void a_node_whose_session_lives_keeps_its_task_until_the_lease() {
    db.run("t", 3, "x");
    ClaimedTask t = claimAsNode("node-a");
    try (NodeSession session = db.store().nodeSession("node-a")) {
      session.hold();
      session.hold(); // a live session is only checked

      assertThat(reap()).isEmpty();
      assertThat(TestDatabase.value("select owner from keel.task where id = " + t.id()))
          .isEqualTo("node-a");
    }
  }

  @Test
  void when_the_session_ends_the_task_is_requeued_at_once_as_its_node_died() {
    db.run("t", 3, "x");
    ClaimedTask t = claimAsNode("node-a");
    NodeSession session = db.store().nodeSession("node-a");
    session.hold();

    session.close(); // what the kernel does to a killed process's socket
    awaitLocksReleased();

    assertThat(reap())
        .containsExactly(
            new ExpiredLeases.Reaped(t.id(), t.runId(), "p", "x", "queued", 1, "node-a", true));
    assertThat(TestDatabase.rows("select error from keel.task"))
        .containsExactly(
            "the database session of node node-a ended during attempt 1 (its process died)");
    assertThat(TestDatabase.rows("select outcome from keel.task_attempt"))
        .containsExactly("node died");
  }

  @Test
  void a_session_ended_by_the_server_counts_too_and_a_live_node_takes_a_new_one() {
    db.run("t", 3, "x", "y");
    claimAsNode("node-a");
    try (NodeSession a = db.store().nodeSession("node-a")) {
      a.hold();
      bTakesANewSession();
    }
  }

  void bTakesANewSession() {
    ClaimedTask b = claimAsNode("node-b");
    try (NodeSession bSession = db.store().nodeSession("node-b")) {
      bSession.hold();
      String oldKey = TestDatabase.value("select session_key from keel.node where id = 'node-b'");
      TestDatabase.exec(
          "select pg_terminate_backend(pid, 10000) from pg_locks where locktype = 'advisory' and objid = "
              + oldKey);

      assertThat(reap()).extracting(ExpiredLeases.Reaped::previousOwner).contains("node-b");

      bSession.hold(); // the live node finds its session gone and takes a new one
      assertThat(TestDatabase.value("select session_key from keel.node where id = 'node-b'"))
          .isNotEqualTo(oldKey);
      assertThat(
              TestDatabase.count(
                  "select count(*) from pg_locks where locktype = 'advisory' and objid = "
                      + TestDatabase.value(
                          "select session_key from keel.node where id = 'node-b'")))
          .isEqualTo(1);
      assertThat(TestDatabase.value("select state from keel.task where id = " + b.id()))
          .isEqualTo("queued");
    }
  }

  @Test
  void a_session_taken_on_another_server_start_is_judged_by_the_lease() {
    db.run("t", 3, "x");
    ClaimedTask t = claimAsNode("node-a");
    NodeSession session = db.store().nodeSession("node-a");
    session.hold();
    // as after a restart or a failover: every session ended with the server that held it
    TestDatabase.exec(
        "update keel.node set session_server_start = session_server_start - interval '1 hour'");
    session.close();
    awaitLocksReleased();

    assertThat(reap()).isEmpty();
    TestDatabase.exec(
        "update keel.task set lease_until = now() - interval '1 second' where id = " + t.id());
    assertThat(reap()).extracting(ExpiredLeases.Reaped::sessionEnded).containsExactly(false);
  }

  @Test
  void a_node_that_never_took_a_session_is_judged_by_the_lease() {
    db.run("t", 3, "x");
    claimAsNode("node-a");
    assertThat(reap()).isEmpty();
  }

  List<ExpiredLeases.Reaped> reapWithGrace(Duration grace) {
    return db.store().expiredLeases().reap(10, NO_SHARED_OUTAGE, grace);
  }

  static void terminateSessionOf(String node) {
    TestDatabase.exec(
        "select pg_terminate_backend(pid, 10000) from pg_locks where locktype = 'advisory' and objid = "
            + TestDatabase.value("select session_key from keel.node where id = '" + node + "'"));
  }

  @Test
  void
      a_live_node_whose_connection_is_reset_takes_its_lock_again_within_the_grace_and_keeps_its_task() {
    db.run("t", 3, "x");
    ClaimedTask t = claimAsNode("node-a");
    try (NodeSession session = db.store().nodeSession("node-a")) {
      session.hold();
      terminateSessionOf("node-a"); // the server side of a reset connection

      assertThat(session.awaitLoss(Duration.ofSeconds(30))).isTrue(); // seen at once, not polled
      // a reaper tick between the loss and the re-take only notes when the lock went missing
      assertThat(reapWithGrace(Duration.ofMinutes(1))).isEmpty();
      assertThat(
              TestDatabase.count(
                  "select count(*) from keel.node where session_lost_at is not null"))
          .isEqualTo(1);
      session.hold();

      assertThat(reapWithGrace(Duration.ZERO)).isEmpty();
      assertThat(
              TestDatabase.count(
                  "select count(*) from keel.node where session_lost_at is not null"))
          .isZero();
      assertThat(TestDatabase.value("select owner from keel.task where id = " + t.id()))
          .isEqualTo("node-a");
    }
  }

  @Test
  void a_lock_missing_for_longer_than_the_grace_is_believed_a_death() {
    db.run("t", 3, "x");
    ClaimedTask t = claimAsNode("node-a");
    NodeSession session = db.store().nodeSession("node-a");
    session.hold();
    session.close();
    awaitLocksReleased();

    Duration grace = Duration.ofMillis(300);
    // first seen missing: noted, and told once, so the reaper looks again when the grace ends
    ExpiredLeases.Tick first = db.store().expiredLeases().reapTick(10, NO_SHARED_OUTAGE, grace);
    assertThat(first.reaped()).isEmpty();
    assertThat(first.lostSessions()).containsExactly("node-a");
    assertThat(
            db.store()
                .expiredLeases()
                .reapTick(10, NO_SHARED_OUTAGE, Duration.ofDays(1))
                .lostSessions())
        .isEmpty();
    await()
        .atMost(Duration.ofSeconds(30))
        .pollInterval(Duration.ofMillis(50))
        .until(() -> !reapWithGrace(grace).isEmpty());
    assertThat(TestDatabase.value("select state from keel.task where id = " + t.id()))
        .isEqualTo("queued");
    assertThat(
            TestDatabase.count(
                "select count(*) from keel.node where session_lost_at <= now() - interval '300 milliseconds'"))
        .isEqualTo(1);
  }

  @Test
  void a_session_that_is_not_lost_is_watched_until_the_timeout() {
    db.run("t", 3, "x");
    claimAsNode("node-a");
    try (NodeSession session = db.store().nodeSession("node-a")) {
      session.hold();
      assertThat(session.awaitLoss(Duration.ofMillis(200))).isFalse();
      session.hold();
      assertThat(
              TestDatabase.count(
                  "select count(*) from pg_locks where locktype = 'advisory' and classid = "
                      + NodeSession.LOCK_CLASS))
          .isEqualTo(1);
    }
  }
}
