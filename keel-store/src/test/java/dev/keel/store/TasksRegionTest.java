package dev.keel.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keel.testkit.TestDatabase;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Claims of a pipeline with {@code regions: [a, b]}: only the nodes of the first listed region that
 * has a live node take its tasks, judged in the claim statement itself.
 */
class TasksRegionTest {
  private static final Duration LEASE = Duration.ofSeconds(10);

  @RegisterExtension final FreshStore db = new FreshStore();

  private long run(List<String> regions, String... partitions) {
    long version = db.store().versions().save("p", "h" + regions, "name: p", null, regions);
    return db.store()
        .runs()
        .create("p", version, "test", Instant.now(), List.of(partitions), 3)
        .orElseThrow();
  }

  @Test
  void while_region_a_has_a_live_node_the_nodes_of_b_and_of_no_region_claim_nothing() {
    db.store().nodes().register("a-1", "h", 1, null, "a");
    db.store().nodes().register("b-1", "h", 2, null, "b");
    db.store().nodes().register("plain", "h", 3, null, null);
    run(List.of("a", "b"), "x", "y");

    assertThat(db.store().tasks().claim("b-1", "b", null, 5, LEASE)).isEmpty();
    assertThat(db.store().tasks().claim("plain", null, null, 5, LEASE)).isEmpty();
    assertThat(db.store().tasks().claim("a-1", "a", null, 1, LEASE)).hasSize(1);
    // The complete-and-claim statement applies the same rule.
    assertThat(db.store().tasks().succeedAndClaim(List.of(), "b-1", "b", 5, LEASE).claimed())
        .isEmpty();
    assertThat(db.store().tasks().succeedAndClaim(List.of(), "a-1", "a", 5, LEASE).claimed())
        .hasSize(1);
  }

  @Test
  void when_every_node_of_a_stops_heartbeating_for_a_lease_b_takes_the_queued_tasks() {
    db.store().nodes().register("a-1", "h", 1, null, "a");
    db.store().nodes().register("b-1", "h", 2, null, "b");
    run(List.of("a", "b"), "x", "y");
    assertThat(db.store().tasks().claim("b-1", "b", null, 5, LEASE)).isEmpty();

    // a-1 died: its last heartbeat is older than the lease.
    TestDatabase.exec(
        "UPDATE keel.node SET heartbeat_at = now() - interval '11 seconds' WHERE id = 'a-1'");
    assertThat(db.store().tasks().claim("b-1", "b", null, 5, LEASE)).hasSize(2);
  }

  @Test
  void a_run_that_failed_over_to_b_finishes_in_b_when_a_comes_back_and_the_next_run_goes_to_a() {
    db.store().nodes().register("a-1", "h", 1, null, "a");
    db.store().nodes().register("b-1", "h", 2, null, "b");
    long first = run(List.of("a", "b"), "x", "y", "z");
    assertThat(db.store().tasks().claim("a-1", "a", null, 1, LEASE)).hasSize(1);
    TestDatabase.exec(
        "UPDATE keel.node SET heartbeat_at = now() - interval '11 seconds' WHERE id = 'a-1'");
    assertThat(db.store().tasks().claim("b-1", "b", null, 1, LEASE)).hasSize(1);

    db.store().nodes().register("a-1", "h", 1, null, "a"); // back, alive
    assertThat(TestDatabase.value("select region from keel.run where id = " + first))
        .isEqualTo("b");
    assertThat(db.store().tasks().claim("a-1", "a", null, 5, LEASE)).isEmpty();
    assertThat(db.store().tasks().claim("b-1", "b", null, 5, LEASE))
        .extracting(ClaimedTask::partition)
        .containsExactly("z");

    run(List.of("a", "b"), "x");
    assertThat(db.store().tasks().claim("b-1", "b", null, 5, LEASE)).isEmpty();
    assertThat(db.store().tasks().claim("a-1", "a", null, 5, LEASE)).hasSize(1);
  }

  @Test
  void a_run_whose_region_lost_every_node_moves_on_to_the_next_listed_region() {
    db.store().nodes().register("a-1", "h", 1, null, "a");
    db.store().nodes().register("b-1", "h", 2, null, "b");
    db.store().nodes().register("c-1", "h", 3, null, "c");
    run(List.of("a", "b", "c"), "x", "y", "z");
    TestDatabase.exec(
        "UPDATE keel.node SET heartbeat_at = now() - interval '11 seconds' WHERE id = 'a-1'");
    assertThat(db.store().tasks().claim("b-1", "b", null, 1, LEASE)).hasSize(1);
    TestDatabase.exec(
        "UPDATE keel.node SET heartbeat_at = now() - interval '11 seconds' WHERE id = 'b-1'");

    assertThat(db.store().tasks().claim("c-1", "c", null, 5, LEASE)).hasSize(2);
  }

  @Test
  void a_stopped_node_does_not_hold_its_region_and_a_node_back_in_a_takes_new_work_again() {
    db.store().nodes().register("a-1", "h", 1, null, "a");
    db.store().nodes().register("b-1", "h", 2, null, "b");
    db.store().nodes().markStopped("a-1");
    run(List.of("a", "b"), "x");
    run(List.of("a", "b"), "y");
    assertThat(db.store().tasks().claim("b-1", "b", null, 1, LEASE)).hasSize(1);

    db.store().nodes().register("a-1", "h", 1, null, "a");
    assertThat(db.store().tasks().claim("b-1", "b", null, 1, LEASE)).isEmpty();
    assertThat(db.store().tasks().claim("a-1", "a", null, 1, LEASE)).hasSize(1);
  }

  @Test
  void
      a_pipeline_without_regions_is_claimed_by_any_node_and_keel_run_claims_its_own_run_anywhere() {
    db.store().nodes().register("b-1", "h", 2, null, "b");
    run(List.of(), "x");
    long regional = run(List.of("a"), "y");
    assertThat(db.store().tasks().claim("b-1", "b", null, 5, LEASE))
        .extracting(ClaimedTask::partition)
        .containsExactly("x");
    // No node of a at all: the task waits for one, except for the process that runs it itself.
    assertThat(db.store().tasks().claim("b-1", "b", null, 5, LEASE)).isEmpty();
    assertThat(db.store().tasks().claim("local", regional, 5, LEASE)).hasSize(1);
  }

  @Test
  void status_shows_each_regional_pipeline_with_its_active_region_and_each_node_with_its_region() {
    db.store().nodes().register("a-1", "h", 1, null, "a");
    db.store().nodes().register("b-1", "h", 2, null, "b");
    run(List.of("a", "b"), "x");
    Status.Report report = new Status(db.store().db()).read(5, 15_000);
    assertThat(report.nodes()).extracting(Status.NodeInfo::region).containsExactly("a", "b");
    assertThat(report.regions())
        .containsExactly(new Status.PipelineRegion("p", List.of("a", "b"), "a"));

    TestDatabase.exec(
        "UPDATE keel.node SET heartbeat_at = now() - interval '1 minute' WHERE id = 'a-1'");
    assertThat(new Status(db.store().db()).read(5, 15_000).regions())
        .containsExactly(new Status.PipelineRegion("p", List.of("a", "b"), "b"));
  }
}
