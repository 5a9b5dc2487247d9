package dev.keel.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keel.spec.RetrySpec;
import dev.keel.testkit.TestDatabase;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Time every node spent without the database does not count against leases: the coordination clock
 * stood still, and the first heartbeat or reaper tick after the outage moves the leases on by the
 * gap.
 */
class SharedOutageTest {
  static final Duration LEASE = Duration.ofSeconds(10);
  static final Duration THRESHOLD = SharedOutage.thresholdFor(LEASE);

  MetadataStore store;
  long run;

  @BeforeEach
  void setUp() {
    TestDatabase.reset();
    store = MetadataStore.open(new Database(TestDatabase.url(), null, null, 4, "test"));
    long version = store.versions().save("p", "h", "name: p", null);
    run =
        store
            .runs()
            .create("p", version, "t", Instant.now(), List.of("a", "b"), RetrySpec.DEFAULT)
            .orElseThrow();
    assertThat(store.tasks().claim("node-a", run, 1, LEASE)).hasSize(1);
    assertThat(store.tasks().claim("node-b", run, 1, LEASE)).hasSize(1);
  }

  @AfterEach
  void tearDown() {
    store.close();
  }

  /**
   * The database was away for {@code seconds} for everybody, and node-a's lease ran out in that
   * time.
   */
  void outage(int seconds) {
    TestDatabase.exec(
        "update keel.coordination_clock set seen_at = now() - interval '" + seconds + " seconds'",
        "update keel.task set lease_until = now() - interval '2 seconds' where owner = 'node-a'");
  }

  long fence(String node) {
    return Long.parseLong(
        TestDatabase.value("select fence from keel.task where owner = '" + node + "'"));
  }

  @Test
  void after_an_outage_every_node_shared_the_reaper_takes_no_lease_and_the_owner_renews() {
    outage(20);

    assertThat(store.expiredLeases().reap(100, THRESHOLD)).isEmpty();

    assertThat(store.nodes().heartbeat("node-a", "alive", List.of(fence("node-a")), LEASE))
        .containsExactly(fence("node-a"));
    assertThat(
            TestDatabase.value(
                "select outage_seconds >= 20 and outage_ended_at is not null from keel.coordination_clock"))
        .isEqualTo("t");
  }

  @Test
  void
      the_first_heartbeat_after_the_outage_moves_the_leases_on_by_the_gap_so_its_owner_keeps_its_task() {
    outage(20);
    long fence = fence("node-a");

    assertThat(store.nodes().heartbeat("node-a", "alive", List.of(fence), LEASE))
        .containsExactly(fence);
    assertThat(store.expiredLeases().reap(100, THRESHOLD)).isEmpty();
  }

  @Test
  void a_node_that_died_in_the_outage_is_reaped_one_lease_after_the_database_returned() {
    outage(20);
    assertThat(store.nodes().heartbeat("node-b", "alive", List.of(fence("node-b")), LEASE))
        .hasSize(1);
    // node-a never heartbeats again: its lease, moved on by the 20 s gap, ends about 18 s from now
    // (it had run out 2 s before the database returned).
    assertThat(
            Double.parseDouble(
                TestDatabase.value(
                    "select extract(epoch from lease_until - now()) from keel.task where owner = 'node-a'")))
        .isBetween(16.0, 19.0);

    TestDatabase.exec(
        "update keel.task set lease_until = now() - interval '1 millisecond' where owner = 'node-a'",
        "update keel.coordination_clock set seen_at = now()"); // a lease later, the others
    // heartbeating all along
    assertThat(store.expiredLeases().reap(100, THRESHOLD))
        .extracting(ExpiredLeases.Reaped::previousOwner)
        .containsExactly("node-a");
  }

  @Test
  void a_short_lease_still_gets_the_minimum_grace_after_the_return_time_for_a_pool_to_reconnect() {
    TestDatabase.exec(
        "update keel.coordination_clock set seen_at = now() - interval '20 seconds'",
        "update keel.task set lease_until = now() - interval '25 seconds' where owner = 'node-a'");
    Duration shortLease = Duration.ofSeconds(3);

    assertThat(store.expiredLeases().reap(100, SharedOutage.thresholdFor(shortLease))).isEmpty();

    // moved on by the gap it would still have run out 5 s ago; it gets 10 s, not a 3 s lease
    assertThat(
            Double.parseDouble(
                TestDatabase.value(
                    "select extract(epoch from lease_until - now()) from keel.task where owner = 'node-a'")))
        .isBetween(9.0, 10.5);
    assertThat(SharedOutage.graceFor(SharedOutage.thresholdFor(shortLease)))
        .isEqualTo(SharedOutage.MIN_GRACE);
    assertThat(SharedOutage.graceFor(SharedOutage.thresholdFor(Duration.ofSeconds(30))))
        .isEqualTo(Duration.ofSeconds(30));
  }

  @Test
  void a_renewal_right_after_the_return_keeps_the_grace_instead_of_cutting_it_to_a_short_lease() {
    TestDatabase.exec(
        "update keel.coordination_clock set seen_at = now() - interval '20 seconds'",
        "update keel.task set lease_until = now() - interval '25 seconds'");
    Duration shortLease = Duration.ofSeconds(3);
    assertThat(store.expiredLeases().reap(100, SharedOutage.thresholdFor(shortLease))).isEmpty();

    assertThat(store.nodes().heartbeat("node-b", "alive", List.of(fence("node-b")), shortLease))
        .containsExactly(fence("node-b"));

    assertThat(
            Double.parseDouble(
                TestDatabase.value(
                    "select extract(epoch from lease_until - now()) from keel.task where owner = 'node-b'")))
        .as("the 10 s grace, not a 3 s lease from the renewal")
        .isBetween(9.0, 10.5);
    TestDatabase.exec("update keel.task set lease_until = now() + interval '1 second'");
    store.nodes().heartbeat("node-b", "alive", List.of(fence("node-b")), shortLease);
    assertThat(
            Double.parseDouble(
                TestDatabase.value(
                    "select extract(epoch from lease_until - now()) from keel.task where owner = 'node-b'")))
        .as("an ordinary renewal still renews")
        .isBetween(2.5, 3.5);
  }

  @Test
  void while_any_node_coordinates_a_dead_nodes_lease_expires_on_time() {
    TestDatabase.exec(
        "update keel.coordination_clock set seen_at = now() - interval '1 second'",
        "update keel.task set lease_until = now() - interval '2 seconds' where owner = 'node-a'");

    assertThat(store.expiredLeases().reap(100, THRESHOLD))
        .extracting(ExpiredLeases.Reaped::previousOwner)
        .containsExactly("node-a");
    assertThat(store.nodes().heartbeat("node-b", "alive", List.of(fence("node-b")), LEASE))
        .hasSize(1);
  }

  @Test
  void a_gap_shorter_than_the_threshold_moves_nothing() {
    TestDatabase.exec("update keel.coordination_clock set seen_at = now() - interval '3 seconds'");
    String before =
        TestDatabase.value("select string_agg(lease_until::text, ',' order by id) from keel.task");

    assertThat(store.nodes().heartbeat("node-b", "alive", Set.of(), LEASE)).isEmpty();

    assertThat(
            TestDatabase.value(
                "select string_agg(lease_until::text, ',' order by id) from keel.task"))
        .isEqualTo(before);
  }
}
