package dev.keel.connectors.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.keel.runtime.FenceRefusedException;
import dev.keel.runtime.LoadHistory;
import dev.keel.runtime.RollbackRefusedException;
import dev.keel.spec.SinkSpec;
import dev.keel.testkit.TestDatabase;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * keep_versions and rollback against a real PostgreSQL, in each mode: a partition goes back to
 * exactly what it held after a run (every column, the undeclared one too), other partitions stay,
 * the rollback is a load that a rollback undoes, and runs that are unknown or no longer kept are
 * refused with nothing changed.
 */
class LoadRollbackTest {
  private static VersionedTable table(SinkSpec.Mode mode, int keep) throws Exception {
    return new VersionedTable(TestDatabase.dataSource(), mode, keep, SinkSpec.Commit.PARTITION);
  }

  @ParameterizedTest
  @EnumSource(SinkSpec.Mode.class)
  void a_partition_goes_back_to_what_it_held_after_the_run_and_others_stay(SinkSpec.Mode mode)
      throws Exception {
    try (VersionedTable t = table(mode, 6)) {
      t.load(1, "p", VersionedTable.row(1, "a", "p"), VersionedTable.row(2, "b", "p"));
      t.load(2, "q", VersionedTable.row(11, "q", "q"));
      List<String> afterRun1 = t.rows("p");
      t.load(3, "p", VersionedTable.row(2, "B", "p"), VersionedTable.row(3, "c", "p"));
      t.load(4, "p", VersionedTable.row(1, "A", "p"), VersionedTable.row(4, "d", "p"));
      t.load(5, "q", VersionedTable.row(12, "r", "q"));
      List<String> afterRun4 = t.rows("p");
      List<String> q = t.rows("q");
      assertThat(afterRun4).isNotEqualTo(afterRun1);

      LoadHistory.Load back = t.rollback("p", 1);

      assertThat(t.rows("p")).isEqualTo(afterRun1);
      assertThat(t.rows("q")).isEqualTo(q);
      assertThat(back.restoredRun()).isEqualTo(1L);
      assertThat(back.runId()).isNull();
      assertThat(t.history().loads("p").get(0).restoredRun()).isEqualTo(1L);

      // The rollback is a load: going back to run 4 undoes it.
      t.rollback("p", 4);
      assertThat(t.rows("p")).isEqualTo(afterRun4);
      assertThat(t.rows("q")).isEqualTo(q);
      // And twice in a row to the same run lands in the same state.
      t.rollback("p", 1);
      t.rollback("p", 1);
      assertThat(t.rows("p")).isEqualTo(afterRun1);
    }
  }

  @Test
  void the_keys_of_a_direct_copy_recorded_as_runs_are_deleted_by_a_rollback_before_it()
      throws Exception {
    try (VersionedTable t = table(SinkSpec.Mode.UPSERT, 4)) {
      t.load(1, "p");
      List<Object[]> rows = new java.util.ArrayList<>();
      for (long id = 1; id <= 50; id++) {
        rows.add(VersionedTable.row(id, "a" + id, "p"));
      }
      for (long id = 149; id >= 100; id--) {
        rows.add(VersionedTable.row(id, "b" + id, "p"));
      }
      rows.add(VersionedTable.row(7000, "c", "p"));
      // Into the empty target: a direct COPY, its keys recorded as three runs.
      t.load(2, "p", rows.toArray(Object[][]::new));
      assertThat(t.count("SELECT count(*) FROM keel_sink.row_version WHERE op = 'r'")).isEqualTo(3);
      assertThat(t.history().loads("p").get(0).inserted()).isEqualTo(101);
      t.load(3, "p", VersionedTable.row(5, "changed", "p"), VersionedTable.row(200, "new", "p"));
      List<String> afterRun3 = t.rows("p");

      t.rollback("p", 1);
      assertThat(t.rows("p")).isEmpty();

      t.rollback("p", 3);
      assertThat(t.rows("p")).isEqualTo(afterRun3);
    }
  }

  @Test
  void history_lists_the_kept_loads_with_what_each_changed() throws Exception {
    try (VersionedTable t = table(SinkSpec.Mode.UPSERT, 2)) {
      t.load(1, "p", VersionedTable.row(1, "a", "p"), VersionedTable.row(2, "b", "p"));
      t.load(2, "p", VersionedTable.row(2, "B", "p"), VersionedTable.row(3, "c", "p"));

      List<LoadHistory.Load> loads = t.history().loads("p");

      assertThat(loads).extracting(LoadHistory.Load::runId).containsExactly(2L, 1L);
      assertThat(loads.get(0).inserted()).isEqualTo(1);
      assertThat(loads.get(0).updated()).isEqualTo(1);
      assertThat(loads.get(1).inserted()).isEqualTo(2);
      assertThat(t.history().loads(null)).hasSize(2);
    }
  }

  @Test
  void an_upsert_records_only_the_rows_it_wrote_and_a_violator_is_neither_written_nor_recorded()
      throws Exception {
    try (VersionedTable t = table(SinkSpec.Mode.UPSERT, 2)) {
      t.execute("ALTER TABLE items ADD CONSTRAINT no_forbidden CHECK (name <> 'forbidden')");
      t.load(1, "p", VersionedTable.row(1, "a", "p"), VersionedTable.row(2, "b", "p"));
      List<String> afterRun1 = t.rows("p");
      // Row 1 unchanged, row 2 changed, row 3 new, row 4 refused by the CHECK (bisection).
      t.load(
          2,
          "p",
          VersionedTable.row(1, "a", "p"),
          VersionedTable.row(2, "B", "p"),
          VersionedTable.row(3, "c", "p"),
          VersionedTable.row(4, "forbidden", "p"));

      LoadHistory.Load run2 = t.history().loads("p").get(0);
      assertThat(run2.inserted()).isEqualTo(1);
      assertThat(run2.updated()).isEqualTo(1);
      assertThat(t.count("SELECT count(*) FROM items WHERE id = 4")).isZero();

      t.rollback("p", 1);
      assertThat(t.rows("p")).isEqualTo(afterRun1);
    }
  }

  @ParameterizedTest
  @EnumSource(SinkSpec.Mode.class)
  void only_the_last_loads_are_kept_and_older_runs_are_refused(SinkSpec.Mode mode)
      throws Exception {
    try (VersionedTable t = table(mode, 2)) {
      for (long run = 1; run <= 5; run++) {
        t.load(run, "p", VersionedTable.row(run, "x" + run, "p"));
      }
      List<String> now = t.rows("p");
      // Two undoable loads (5, 4) and the state after run 3.
      assertThat(t.history().loads("p"))
          .extracting(LoadHistory.Load::runId)
          .containsExactly(5L, 4L, 3L);
      assertThat(t.count("SELECT count(DISTINCT version_id) FROM keel_sink.row_version"))
          .isLessThanOrEqualTo(2);

      assertThatThrownBy(() -> t.rollback("p", 2))
          .isInstanceOf(RollbackRefusedException.class)
          .hasMessageContaining("no longer kept")
          .hasMessageContaining("oldest run it can go back to is 3");
      assertThatThrownBy(() -> t.rollback("p", 99))
          .isInstanceOf(RollbackRefusedException.class)
          .hasMessageContaining("run 99 did not publish partition p");
      assertThatThrownBy(() -> t.rollback("q", 5))
          .isInstanceOf(RollbackRefusedException.class)
          .hasMessageContaining("did not publish partition q");
      assertThat(t.rows("p")).isEqualTo(now);
      assertThat(t.rollback("p", 5)).isNull();
      assertThat(t.rows("p")).isEqualTo(now);
    }
  }

  @Test
  void an_attempt_holding_a_claim_older_than_the_rollback_cannot_publish_after_it()
      throws Exception {
    try (VersionedTable t = table(SinkSpec.Mode.UPSERT, 2)) {
      t.load(1, "p", VersionedTable.row(1, "a", "p"));
      t.load(2, "p", VersionedTable.row(1, "b", "p"));
      long claimOfRun3 = t.fence() + 1; // claimed before the rollback, publishing after it
      t.load(3, "q", VersionedTable.row(11, "q", "q"));
      t.rollback("p", 1);
      List<String> rolledBack = t.rows("p");

      assertThatThrownBy(() -> t.loadAs(3, "p", claimOfRun3, VersionedTable.row(1, "c", "p")))
          .isInstanceOf(FenceRefusedException.class);
      assertThat(t.rows("p")).isEqualTo(rolledBack);
    }
  }

  @Test
  void an_append_rollback_is_refused_when_rows_a_later_load_added_were_changed_outside_keel()
      throws Exception {
    try (VersionedTable t = table(SinkSpec.Mode.APPEND, 2)) {
      t.load(1, "p", VersionedTable.row(1, "a", "p"));
      t.load(2, "p", VersionedTable.row(2, "b", "p"), VersionedTable.row(3, "c", "p"));
      t.execute("UPDATE items SET name = 'edited' WHERE id = 3");
      List<String> now = t.rows("p");

      assertThatThrownBy(() -> t.rollback("p", 1))
          .isInstanceOf(RollbackRefusedException.class)
          .hasMessageContaining("would delete 2 rows that later loads added, but only 1");
      assertThat(t.rows("p")).isEqualTo(now);
    }
  }

  @ParameterizedTest
  @EnumSource(
      value = SinkSpec.Mode.class,
      names = {"UPSERT", "APPEND"})
  void a_chunked_load_is_one_version(SinkSpec.Mode mode) throws Exception {
    try (VersionedTable t =
        new VersionedTable(TestDatabase.dataSource(), mode, 2, SinkSpec.Commit.CHUNK)) {
      t.load(1, "p", VersionedTable.row(1, "a", "p"));
      List<String> afterRun1 = t.rows("p");
      t.load(
          2,
          "p",
          VersionedTable.row(1, "b", "p"),
          VersionedTable.row(2, "b", "p"),
          VersionedTable.row(3, "b", "p"),
          VersionedTable.row(1, "c", "p"),
          VersionedTable.row(5, "c", "p"),
          VersionedTable.row(6, "c", "p"),
          VersionedTable.row(7, "d", "p"));
      assertThat(t.history().loads("p")).hasSize(2);

      t.rollback("p", 1);

      assertThat(t.rows("p")).isEqualTo(afterRun1);
    }
  }
}
