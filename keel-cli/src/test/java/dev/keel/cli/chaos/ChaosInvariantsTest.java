package dev.keel.cli.chaos;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keel.chaos.ChaosPipeline;
import dev.keel.chaos.Check;
import dev.keel.chaos.Invariants;
import dev.keel.chaos.Sql;
import dev.keel.cli.Cli;
import dev.keel.testkit.TestDatabase;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The checker of keel chaos on a real PostgreSQL: the days of a run really loaded by keel pass, and
 * a planted duplicate, a planted loss, an altered row, a stuck task and an unresolved alert are
 * each caught and named.
 */
class ChaosInvariantsTest {
  static final int ROWS = 500;

  @TempDir Path dir;
  Map<Long, List<String>> runs;
  Invariants invariants;
  Sql sql;

  @BeforeEach
  void loadOneRunWithKeel() throws Exception {
    TestDatabase.reset();
    ChaosPipeline pipeline = new ChaosPipeline(dir, 2, ROWS);
    Path file = pipeline.write();
    List<String> days = pipeline.nextRun();
    Cli cli = Cli.runPipeline(file, "--partition", days.get(0), "--partition", days.get(1));
    assertThat(cli.exit()).as(cli.toString()).isZero();
    long run = TestDatabase.count("SELECT max(id) FROM keel.run");
    runs = Map.of(run, days);
    sql = new Sql(TestDatabase.url());
    invariants = new Invariants(sql, ROWS);
  }

  @Test
  void a_run_loaded_once_passes_every_check() throws Exception {
    assertThat(invariants.check(runs, Instant.EPOCH, List.of())).allMatch(Check::ok);
    assertThat(invariants.exactlyOnce(runs).detail()).contains("2 days, 1000 rows");
  }

  @Test
  void a_planted_duplicate_breaks_exactly_once_naming_the_day() throws Exception {
    TestDatabase.exec(
        "INSERT INTO public.chaos_orders SELECT * FROM public.chaos_orders WHERE id = (SELECT min(id) FROM public.chaos_orders)");

    Check c = invariants.exactlyOnce(runs);

    assertThat(c.ok()).isFalse();
    assertThat(c.problems())
        .singleElement()
        .asString()
        .contains("day 2000-01-01: 501 rows, expected 500 (published more than once)");
  }

  @Test
  void a_planted_loss_breaks_exactly_once_naming_the_day() throws Exception {
    TestDatabase.exec(
        "DELETE FROM public.chaos_orders WHERE id = (SELECT max(id) FROM public.chaos_orders)");

    Check c = invariants.exactlyOnce(runs);

    assertThat(c.ok()).isFalse();
    assertThat(c.problems())
        .singleElement()
        .asString()
        .contains("day 2000-01-02: 499 rows, expected 500 (rows lost)");
  }

  @Test
  void an_altered_row_or_a_stray_day_breaks_exactly_once() throws Exception {
    TestDatabase.exec(
        "UPDATE public.chaos_orders SET amount = amount + 1 WHERE id = (SELECT min(id) FROM public.chaos_orders)",
        "INSERT INTO public.chaos_orders VALUES (90000001, 'v90000001', 1.01)");

    assertThat(invariants.exactlyOnce(runs).problems())
        .anyMatch(p -> p.contains("day 2000-01-01: checksum differs"))
        .anyMatch(p -> p.contains("1 rows of day 2000-01-09, which no run of this chaos loaded"));
  }

  @Test
  void a_task_left_running_is_stuck_and_its_day_must_hold_nothing() throws Exception {
    TestDatabase.exec("UPDATE keel.task SET state = 'running' WHERE partition = '2000-01-02'");

    assertThat(invariants.noTaskStuck(runs).problems())
        .singleElement()
        .asString()
        .contains("day 2000-01-02: running");
    // keel says the day was not published, yet its rows are there: half-published.
    assertThat(invariants.exactlyOnce(runs).problems())
        .singleElement()
        .asString()
        .contains("day 2000-01-02: 500 rows, expected 0");
  }

  @Test
  void an_alert_raised_and_not_resolved_is_reported_until_resolved() throws Exception {
    Instant since = Instant.now().minusSeconds(60);
    TestDatabase.exec(
        "SELECT keel.alert_enqueue('keel:node_lost:chaos-2', 'trigger', 'node_lost', NULL, 'node chaos-2 lost', '{}')");

    Check open = invariants.alertsResolved(since);
    assertThat(open.ok()).isFalse();
    assertThat(open.problems()).containsExactly("keel:node_lost:chaos-2: node chaos-2 lost");

    TestDatabase.exec(
        "SELECT keel.alert_enqueue('keel:node_lost:chaos-2', 'resolve', 'node_lost', NULL, 'back', '{}')");
    assertThat(invariants.alertsResolved(since).ok()).isTrue();
  }
}
