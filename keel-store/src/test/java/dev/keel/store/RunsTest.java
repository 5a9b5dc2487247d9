package dev.keel.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keel.testkit.TestDatabase;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Runs: created once per pipeline, trigger and logical time, and their state derived from their
 * tasks.
 */
class RunsTest {
  private static final Duration LEASE = Duration.ofSeconds(30);

  @RegisterExtension final FreshStore db = new FreshStore();

  private void succeed(ClaimedTask t) {
    db.store()
        .tasks()
        .succeedAndClaim(
            List.of(new Tasks.Success(t, new TaskCounts(1, 0, 0, 1))), "node-a", 0, LEASE);
  }

  @Test
  void a_second_run_of_the_same_pipeline_trigger_and_logical_time_is_not_created() {
    long version = db.store().versions().save("p", "h", "name: p", null);
    Instant tick = Instant.parse("2024-01-01T00:00:00Z");
    assertThat(db.store().runs().create("p", version, "cron", tick, List.of("x"), 3)).isPresent();
    assertThat(db.store().runs().create("p", version, "cron", tick, List.of("x"), 3)).isEmpty();
    assertThat(db.store().runs().latest("p", "cron")).contains(tick);
    assertThat(TestDatabase.count("select count(*) from keel.task")).isEqualTo(1);
  }

  @Test
  void
      refresh_marks_a_run_running_once_a_task_started_and_settles_it_when_all_its_tasks_succeeded() {
    long run = db.run("t", 3, "x", "y");
    assertThat(db.store().runs().state(run)).isEqualTo("queued");
    List<ClaimedTask> held = db.store().tasks().claim("node-a", run, 2, LEASE);
    db.store().runs().refresh(run);
    assertThat(db.store().runs().state(run)).isEqualTo("running");

    succeed(held.get(0));
    db.store().runs().refresh(run);
    assertThat(db.store().runs().state(run)).isEqualTo("running");
    succeed(held.get(1));
    db.store().runs().refresh(run);

    assertThat(db.store().runs().state(run)).isEqualTo("succeeded");
    assertThat(TestDatabase.rows("select finished_at is not null from keel.run where id = " + run))
        .containsExactly("t");
  }

  @Test
  void refresh_settles_a_run_with_a_failed_task_as_failed_once_no_task_is_open() {
    long run = db.run("t", 1, "x", "y");
    List<ClaimedTask> held = db.store().tasks().claim("node-a", run, 2, LEASE);
    db.store()
        .tasks()
        .fail(held.get(0), "bad column", false, Duration.ZERO, new TaskCounts(0, 0, 0, 0));
    db.store().runs().refresh(run);
    assertThat(db.store().runs().state(run)).isEqualTo("running");
    assertThat(db.store().tasks().open(run)).isEqualTo(1);
    succeed(held.get(1));
    db.store().runs().refresh(run);
    assertThat(db.store().runs().state(run)).isEqualTo("failed");
    assertThat(db.store().tasks().open(run)).isZero();
  }

  @Test
  void stale_runs_are_found_and_settled_by_one_refresh_of_each() {
    long behind = db.run("a", 3, "x");
    long current = db.run("b", 3, "x");
    TestDatabase.exec(
        "update keel.task set state = 'succeeded', finished_at = now() where run_id = " + behind);
    assertThat(db.store().runs().refreshStale()).containsExactly(behind);
    assertThat(db.store().runs().state(behind)).isEqualTo("succeeded");
    assertThat(db.store().runs().state(current)).isEqualTo("queued");
    assertThat(db.store().runs().refreshStale()).isEmpty();
  }
}
