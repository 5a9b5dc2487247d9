package dev.keel.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keel.testkit.TestDatabase;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Node rows: registered, heartbeating with the leases they still hold, stopped. */
class NodesTest {
  private static final Duration LEASE = Duration.ofSeconds(30);

  @RegisterExtension final FreshStore db = new FreshStore();

  @Test
  void a_registered_node_is_alive_and_registering_again_starts_it_afresh() {
    db.store().nodes().register("node-a", "h1", 10, 8080);
    TestDatabase.exec(
        "update keel.node set state = 'draining', tasks_held = 3, heartbeat_at = now() - interval '1 hour'");
    db.store().nodes().register("node-a", "h2", 11, null);
    assertThat(
            TestDatabase.rows(
                "select id, host, pid, http_port, state, tasks_held, heartbeat_at > now() - interval '1 minute'"
                    + " from keel.node"))
        .containsExactly("node-a|h2|11|null|alive|0|t");
  }

  @Test
  void a_heartbeat_renews_only_the_leases_the_node_still_holds_and_returns_their_fences() {
    db.store().nodes().register("node-a", "h1", 10, null);
    db.run("t", 3, "x", "y", "z");
    List<ClaimedTask> held = db.store().tasks().claim("node-a", null, 3, LEASE);
    FreshStore.takeOver(held.get(1).id());
    TestDatabase.exec(
        "update keel.task set lease_until = now() - interval '1 second' where id = "
            + held.get(2).id(),
        "update keel.node set heartbeat_at = now() - interval '1 hour'");

    var fences = held.stream().map(ClaimedTask::fence).toList();
    assertThat(db.store().nodes().heartbeat("node-a", "alive", fences, Duration.ofMinutes(10)))
        .containsExactly(held.get(0).fence());

    assertThat(
            TestDatabase.rows(
                "select id, lease_until > now() + interval '9 minutes' from keel.task order by id"))
        .containsExactly(held.get(0).id() + "|t", held.get(1).id() + "|f", held.get(2).id() + "|f");
    assertThat(
            TestDatabase.rows(
                "select state, tasks_held, heartbeat_at > now() - interval '1 minute' from keel.node"))
        .containsExactly("alive|3|t");
  }

  @Test
  void
      a_heartbeat_of_a_node_deleted_by_hand_brings_its_row_back_and_a_stopped_node_holds_nothing() {
    assertThat(db.store().nodes().heartbeat("node-b", "draining", List.of(), LEASE)).isEmpty();
    assertThat(TestDatabase.rows("select id, state, tasks_held from keel.node"))
        .containsExactly("node-b|draining|0");
    db.store().nodes().markStopped("node-b");
    assertThat(TestDatabase.rows("select state, tasks_held from keel.node"))
        .containsExactly("stopped|0");
  }
}
