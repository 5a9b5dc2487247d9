package dev.keel.connectors.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.keel.runtime.RollbackRefusedException;
import dev.keel.spec.SinkSpec;
import dev.keel.testkit.TestDatabase;
import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

/**
 * Any sequence of loads of two partitions, in any mode, then a rollback of one partition to one of
 * its runs: the partition holds exactly what it held right after that run (or, when the run is
 * older than keep_versions allows, the rollback is refused and nothing changes), the other
 * partition is untouched, and a rollback to the newest run undoes the rollback.
 */
class RollbackPropertiesTest {
  /** One load: a partition and its rows as (id, name) pairs. */
  record Load(String partition, List<int[]> rows) {}

  @Provide
  Arbitrary<List<Load>> loads() {
    Arbitrary<int[]> row =
        Combinators.combine(
                Arbitraries.integers().between(0, 5), Arbitraries.integers().between(0, 2))
            .as((id, name) -> new int[] {id, name});
    Arbitrary<Load> load =
        Combinators.combine(Arbitraries.of("p", "p", "q"), row.list().ofMinSize(0).ofMaxSize(5))
            .as(Load::new);
    return load.list().ofMinSize(1).ofMaxSize(7);
  }

  @Property(tries = 15)
  void any_loads_then_a_rollback_to_run_r_equal_the_state_after_r(
      @ForAll SinkSpec.Mode mode,
      @ForAll @IntRange(min = 1, max = 4) int keep,
      @ForAll("loads") List<Load> loads,
      @ForAll @IntRange(min = 0, max = 6) int pick)
      throws Exception {
    try (VersionedTable t =
        new VersionedTable(TestDatabase.dataSource(), mode, keep, SinkSpec.Commit.PARTITION)) {
      List<Long> runsOfP = new ArrayList<>();
      List<List<String>> afterEach = new ArrayList<>();
      long run = 0;
      for (Load l : loads) {
        run++;
        t.load(run, l.partition(), rows(l));
        if (l.partition().equals("p")) {
          runsOfP.add(run);
          afterEach.add(t.rows("p"));
        }
      }
      if (runsOfP.isEmpty()) {
        return;
      }
      int i = pick % runsOfP.size();
      long r = runsOfP.get(i);
      int newer = runsOfP.size() - 1 - i;
      List<String> before = t.rows("p");
      List<String> q = t.rows("q");

      if (newer > keep) {
        assertThatThrownBy(() -> t.rollback("p", r))
            .isInstanceOf(RollbackRefusedException.class)
            .hasMessageContaining("no longer kept");
        assertThat(t.rows("p")).isEqualTo(before);
        return;
      }
      t.rollback("p", r);

      assertThat(t.rows("p")).isEqualTo(afterEach.get(i));
      assertThat(t.rows("q")).isEqualTo(q);

      long newest = runsOfP.get(runsOfP.size() - 1);
      t.rollback("p", newest);
      assertThat(t.rows("p")).isEqualTo(before);
      assertThat(t.rows("q")).isEqualTo(q);
    }
  }

  /** Upsert keys do not cross partitions: p's ids are 0..5, q's 100..105. */
  private static Object[][] rows(Load l) {
    Object[][] out = new Object[l.rows().size()][];
    for (int i = 0; i < out.length; i++) {
      int[] r = l.rows().get(i);
      long id = (l.partition().equals("p") ? 0 : 100) + r[0];
      out[i] = VersionedTable.row(id, "n" + r[1], l.partition());
    }
    return out;
  }
}
