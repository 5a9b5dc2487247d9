package dev.keel.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keel.testkit.TestDatabase;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A pipeline's sink server as last seen: only the change to another server asks for a re-check,
 * once; the re-check finds the recent publishes and requeues a lost one with its attempt given
 * back.
 */
class SinkServersTest {
  private static final Duration LEASE = Duration.ofSeconds(10);

  @RegisterExtension final FreshStore db = new FreshStore();

  @Test
  void the_first_sight_and_the_same_server_again_are_no_change_another_server_is_one() {
    SinkServers servers = new SinkServers(db.store().db());
    assertThat(servers.changed("p", "7312/00000001")).isFalse();
    assertThat(servers.changed("p", "7312/00000001")).isFalse();
    assertThat(servers.changed("p", "7312/00000002")).isTrue();
    // A second node seeing the same new server finds it recorded.
    assertThat(servers.changed("p", "7312/00000002")).isFalse();
    assertThat(servers.changed("q", "7312/00000002")).isFalse();
    // A re-check that failed midway is marked unchecked: the next sight is a change again.
    servers.unchecked("p", "7312/00000002");
    assertThat(servers.changed("p", "7312/00000002")).isTrue();
  }

  @Test
  void a_recent_publish_is_found_and_requeued_with_its_attempt_given_back() {
    long run = db.run("t", 3, "x", "y");
    List<ClaimedTask> held = db.store().tasks().claim("node-a", run, 2, LEASE);
    db.store()
        .tasks()
        .succeedAndClaim(
            held.stream().map(t -> new Tasks.Success(t, new TaskCounts(5, 0, 0, 5))).toList(),
            "node-a",
            0,
            LEASE);
    db.store().runs().refresh(run);
    SinkServers servers = new SinkServers(db.store().db());

    List<SinkServers.Published> recent = servers.recent("p", Duration.ofHours(1));
    assertThat(recent)
        .extracting(SinkServers.Published::loadId)
        .containsExactlyInAnyOrder("run-" + run + "/x", "run-" + run + "/y");
    assertThat(servers.recent("p", Duration.ofMillis(1))).isEmpty();

    SinkServers.Published x =
        recent.stream().filter(p -> p.partition().equals("x")).findFirst().orElseThrow();
    assertThat(servers.requeue(x, "lost with the old server")).isTrue();
    assertThat(servers.requeue(x, "again")).isFalse();
    db.store().runs().refresh(run);
    assertThat(
            TestDatabase.rows(
                "select t.state, t.attempt, t.error, r.state from keel.task t join keel.run r on r.id = t.run_id"
                    + " where t.id = "
                    + x.taskId()))
        .containsExactly("queued|0|lost with the old server|running");
  }
}
