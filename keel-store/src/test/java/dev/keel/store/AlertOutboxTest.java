package dev.keel.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keel.testkit.TestDatabase;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The alert outbox: one trigger and one resolve per incident, however many nodes look at once. */
class AlertOutboxTest {
  private static final Duration LOST_AFTER = Duration.ofMinutes(1);

  @RegisterExtension final FreshStore db = new FreshStore();

  private AlertOutbox alerts() {
    return db.store().alerts();
  }

  private static String actions() {
    return String.join(
        ",",
        TestDatabase.rows("select dedup_key || ':' || action from keel.alert_outbox order by id"));
  }

  @Test
  void a_repeated_trigger_is_queued_once_and_a_resolve_closes_the_incident() {
    alerts().enqueue("k1", true, "run_late", "p", "p is late", "{\"partition\": \"x\"}");
    alerts().enqueue("k1", true, "run_late", "p", "p is late", "{\"partition\": \"x\"}");
    assertThat(alerts().open("run_late")).containsExactly(new AlertOutbox.Open("k1", "p", "x"));
    assertThat(alerts().open("rejects")).isEmpty();

    alerts().enqueue("k1", false, "run_late", "p", "p is on time", "{}");
    alerts().enqueue("k1", false, "run_late", "p", "p is on time", "{}");

    assertThat(alerts().open("run_late")).isEmpty();
    assertThat(actions()).isEqualTo("k1:trigger,k1:resolve");
    assertThat(
            TestDatabase.count("select count(*) from keel.alert_outbox where delivered_at is null"))
        .isEqualTo(2);
  }

  @Test
  void a_node_without_heartbeat_is_lost_once_and_resolved_when_it_heartbeats_again() {
    db.store().nodes().register("node-a", "h1", 10, null);
    db.store().nodes().register("node-b", "h1", 11, null);
    TestDatabase.exec(
        "update keel.node set heartbeat_at = now() - interval '5 minutes' where id = 'node-a'");

    assertThat(alerts().checkNodes(LOST_AFTER)).isEqualTo(1);
    assertThat(alerts().checkNodes(LOST_AFTER)).isEqualTo(1);
    assertThat(actions()).isEqualTo("keel:node_lost:node-a:trigger");

    db.store().nodes().heartbeat("node-a", "alive", java.util.List.of(), Duration.ofSeconds(30));
    assertThat(alerts().checkNodes(LOST_AFTER)).isZero();
    assertThat(alerts().checkNodes(LOST_AFTER)).isZero();
    assertThat(actions()).isEqualTo("keel:node_lost:node-a:trigger,keel:node_lost:node-a:resolve");
  }

  @Test
  void a_lost_node_that_was_stopped_is_resolved_and_not_lost_again() {
    db.store().nodes().register("node-a", "h1", 10, null);
    TestDatabase.exec("update keel.node set heartbeat_at = now() - interval '5 minutes'");
    alerts().checkNodes(LOST_AFTER);
    db.store().nodes().markStopped("node-a");
    TestDatabase.exec("update keel.node set heartbeat_at = now() - interval '5 minutes'");
    assertThat(alerts().checkNodes(LOST_AFTER)).isZero();
    assertThat(actions()).isEqualTo("keel:node_lost:node-a:trigger,keel:node_lost:node-a:resolve");
  }
}
