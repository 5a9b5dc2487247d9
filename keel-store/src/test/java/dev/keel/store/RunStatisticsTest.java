package dev.keel.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keel.testkit.TestDatabase;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A large run refreshes the task table's statistics as it is created, so the claim's plan knows its
 * tasks are there (the index in order, not a sort of every due task); a small one leaves them.
 */
class RunStatisticsTest {
  @RegisterExtension final FreshStore db = new FreshStore();

  static long plannerTasks() {
    return TestDatabase.count(
        "select greatest(reltuples, 0)::bigint from pg_class where oid = 'keel.task'::regclass");
  }

  @Test
  void a_large_run_leaves_the_planner_knowing_its_tasks() {
    db.run("small", 3, "a", "b");
    assertThat(plannerTasks()).isLessThan(2);

    db.run(
        "large",
        3,
        IntStream.range(0, Runs.ANALYZE_AT).mapToObj(i -> "p" + i).toArray(String[]::new));

    assertThat(plannerTasks()).isEqualTo(Runs.ANALYZE_AT + 2L);
  }
}
