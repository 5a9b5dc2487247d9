package dev.keel.connectors.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keel.runtime.Rejects;
import dev.keel.runtime.SinkSession;
import dev.keel.runtime.TaskRef;
import dev.keel.spec.Column;
import dev.keel.spec.ColumnType;
import dev.keel.spec.SinkSpec;
import dev.keel.testkit.TestDatabase;
import java.nio.file.Path;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * COPY straight into the target (DirectCopy): taken when nothing can conflict, and when the target
 * refuses a row, the publish falls back to the staging path with the same outcome (the first of a
 * repeated key kept, violators dead-lettered with their positions, everything else published).
 */
class DirectCopyTest {
  /** Enough rows for many 64 KiB COPY buffers: a refusal surfaces mid-stream, not at the end. */
  private static final int MANY = 20_000;

  private final List<String> rejected = new ArrayList<>();
  private final Rejects rejects = ItemsSink.noting(rejected);

  @BeforeEach
  void emptyDatabase() throws SQLException {
    exec(
        "DROP SCHEMA IF EXISTS keel_sink CASCADE",
        "DROP TABLE IF EXISTS items",
        "DROP TABLE IF EXISTS pairs",
        "CREATE TABLE items (id bigint PRIMARY KEY, name text CHECK (name <> 'forbidden'))");
  }

  @Test
  void an_upsert_into_an_empty_target_copies_straight_into_it() {
    Path spill;
    try (PostgresSink sink = sink(SinkSpec.Mode.UPSERT, 0);
        SinkSession session = begin(sink)) {
      for (long id = 1; id <= MANY; id++) {
        session.stage(id + 1, new Object[] {id, "n" + id});
      }
      assertThat(((PostgresSinkSession) session).copyingDirectly()).isTrue();
      spill = ((PostgresSinkSession) session).directCopySpillFile();
      assertThat(spill).exists();

      SinkSession.PublishResult result = session.publish(rejects, n -> true);

      assertThat(result.published()).isEqualTo(MANY);
      assertThat(result.rejected()).isZero();
    }
    assertThat(rejected).isEmpty();
    assertThat(count("select count(*) from items")).isEqualTo(MANY);
    assertThat(count("select count(*) from items where name = 'n' || id")).isEqualTo(MANY);
    assertThat(count("select rows from keel_sink.load")).isEqualTo(MANY);
    assertThat(spill).as("the spill file is deleted").doesNotExist();
  }

  @Test
  void a_refused_row_mid_stream_falls_back_to_staging_with_the_same_outcome() {
    Path spill = null;
    try (PostgresSink sink = sink(SinkSpec.Mode.UPSERT, 0);
        SinkSession session = begin(sink)) {
      // A repeated key early (the unique index refuses it while rows still stream), a CHECK
      // violator, and a repeated key in the very last row (refused only when the COPY ends).
      for (long id = 1; id <= MANY; id++) {
        session.stage(id + 1, new Object[] {id, id == 777 ? "forbidden" : "n" + id});
        if (id == 1) {
          spill = ((PostgresSinkSession) session).directCopySpillFile();
          assertThat(spill).exists();
        }
        if (id == 10) {
          session.stage(1_000_000, new Object[] {5L, "again"});
        }
      }
      session.stage(2_000_000, new Object[] {(long) MANY, "last again"});

      SinkSession.PublishResult result = session.publish(rejects, n -> true);

      assertThat(((PostgresSinkSession) session).copyingDirectly()).isFalse();
      assertThat(result.published()).isEqualTo(MANY - 1);
      assertThat(result.rejected()).isEqualTo(3);
    }
    assertThat(rejected)
        .anySatisfy(r -> assertThat(r).startsWith("1000000|5,again|duplicate key (id)=(5)"))
        .anySatisfy(
            r -> assertThat(r).startsWith("2000000|" + MANY + ",last again|duplicate key (id)"))
        .anySatisfy(r -> assertThat(r).startsWith("778|777,forbidden|constraint items_name_check"))
        .hasSize(3);
    assertThat(count("select count(*) from items")).isEqualTo(MANY - 1);
    assertThat(count("select count(*) from items where name = 'n' || id")).isEqualTo(MANY - 1);
    assertThat(spill).as("the spill file is deleted").doesNotExist();
  }

  @Test
  void an_upsert_into_a_target_holding_rows_stages_them() throws SQLException {
    exec("INSERT INTO items VALUES (1, 'old')");
    try (PostgresSink sink = sink(SinkSpec.Mode.UPSERT, 0);
        SinkSession session = begin(sink)) {
      session.stage(2, new Object[] {1L, "new"});
      session.stage(3, new Object[] {2L, "two"});
      assertThat(((PostgresSinkSession) session).copyingDirectly()).isFalse();
      session.publish(rejects, n -> true);
    }
    assertThat(count("select count(*) from items where name in ('new', 'two')")).isEqualTo(2);
  }

  @Test
  void an_append_copies_straight_into_a_full_target_and_falls_back_on_a_violation()
      throws SQLException {
    exec("INSERT INTO items VALUES (0, 'there before')");
    try (PostgresSink sink = sink(SinkSpec.Mode.APPEND, 0);
        SinkSession session = begin(sink)) {
      for (long id = 1; id <= MANY; id++) {
        session.stage(id + 1, new Object[] {id, id % 5000 == 42 ? "forbidden" : "n" + id});
      }
      assertThat(((PostgresSinkSession) session).copyingDirectly()).isTrue();
      SinkSession.PublishResult result = session.publish(rejects, n -> true);
      assertThat(result.published()).isEqualTo(MANY - 4);
    }
    assertThat(rejected).hasSize(4).allSatisfy(r -> assertThat(r).contains("items_name_check"));
    assertThat(count("select count(*) from items")).isEqualTo(MANY - 4 + 1);
  }

  @Test
  void with_keep_versions_an_upsert_into_an_empty_target_records_its_keys_as_runs()
      throws SQLException {
    try (PostgresSink sink = sink(SinkSpec.Mode.UPSERT, 2);
        SinkSession session = begin(sink)) {
      for (long id = 1; id <= MANY; id++) {
        session.stage(id + 1, new Object[] {id, "n" + id});
      }
      session.stage(MANY + 2, new Object[] {MANY + 10L, "apart"});
      assertThat(((PostgresSinkSession) session).copyingDirectly()).isTrue();
      // Committed by another transaction while this one COPYs: not this load's to undo.
      exec("INSERT INTO items VALUES (-1, 'someone else')");
      session.publish(rejects, n -> true);
    }
    assertThat(count("select inserted from keel_sink.version")).isEqualTo(MANY + 1);
    assertThat(
            TestDatabase.rows(
                "select array_to_string(keys, '..') from keel_sink.row_version order by keys[1]::bigint"))
        .containsExactly("1.." + MANY, (MANY + 10) + ".." + (MANY + 10));
    assertThat(count("select count(*) from keel_sink.row_version where op <> 'r'")).isZero();
  }

  @Test
  void with_keep_versions_keys_in_too_many_runs_are_read_back_from_the_target_one_by_one()
      throws SQLException {
    try (PostgresSink sink = sink(SinkSpec.Mode.UPSERT, 2);
        SinkSession session = begin(sink)) {
      // Every other key: as many runs as rows, more than KeyRuns keeps.
      for (long i = 1; i <= KeyRuns.MAX_RUNS + 10; i++) {
        session.stage(i + 1, new Object[] {2 * i, "n" + i});
      }
      assertThat(((PostgresSinkSession) session).copyingDirectly()).isTrue();
      exec("INSERT INTO items VALUES (-1, 'someone else')");
      session.publish(rejects, n -> true);
    }
    assertThat(count("select inserted from keel_sink.version")).isEqualTo(KeyRuns.MAX_RUNS + 10);
    assertThat(count("select sum(cardinality(keys)) from keel_sink.row_version where op = 'i'"))
        .isEqualTo(KeyRuns.MAX_RUNS + 10);
    assertThat(count("select count(*) from keel_sink.row_version where op = 'r'")).isZero();
    assertThat(count("select count(*) from keel_sink.row_version where '{-1}' = any (keys)"))
        .isZero();
  }

  @Test
  void with_keep_versions_an_append_is_staged() {
    try (PostgresSink sink = sink(SinkSpec.Mode.APPEND, 2);
        SinkSession session = begin(sink)) {
      session.stage(2, new Object[] {1L, "one"});
      assertThat(((PostgresSinkSession) session).copyingDirectly()).isFalse();
      session.publish(rejects, n -> true);
    }
    assertThat(count("select inserted from keel_sink.version")).isEqualTo(1);
  }

  @Test
  void a_load_published_before_is_not_published_again_and_the_direct_rows_roll_back() {
    try (PostgresSink sink = sink(SinkSpec.Mode.APPEND, 0)) {
      try (SinkSession session = begin(sink)) {
        session.stage(2, new Object[] {1L, "one"});
        session.publish(rejects, n -> true);
      }
      try (SinkSession again = begin(sink)) {
        again.stage(2, new Object[] {1L, "one"});
        assertThat(((PostgresSinkSession) again).copyingDirectly()).isTrue();
        assertThat(again.publish(rejects, n -> true).alreadyPublished()).isTrue();
      }
    }
    assertThat(count("select count(*) from items")).isEqualTo(1);
  }

  @Test
  void on_the_staged_path_a_repeated_key_of_one_or_two_columns_is_rejected() throws SQLException {
    exec("INSERT INTO items VALUES (0, 'there before')");
    try (PostgresSink sink = sink(SinkSpec.Mode.UPSERT, 0);
        SinkSession session = begin(sink)) {
      session.stage(2, new Object[] {1L, "first"});
      session.stage(3, new Object[] {2L, "two"});
      session.stage(4, new Object[] {1L, "second"});
      assertThat(((PostgresSinkSession) session).copyingDirectly()).isFalse();
      assertThat(session.publish(rejects, n -> true).rejected()).isEqualTo(1);
    }
    assertThat(rejected).singleElement().asString().startsWith("4|1,second|duplicate key (id)");
    rejected.clear();

    exec(
        "DROP SCHEMA keel_sink CASCADE",
        "CREATE TABLE pairs (a bigint, b text, name text, PRIMARY KEY (a, b))",
        "INSERT INTO pairs VALUES (0, 'x', 'there before')");
    List<Column> columns =
        List.of(
            new Column("a", ColumnType.parse("bigint")),
            new Column("b", ColumnType.parse("text")),
            new Column("name", ColumnType.parse("text")));
    PostgresSinkSpec spec =
        new PostgresSinkSpec(
            null,
            null,
            null,
            "public",
            "pairs",
            List.of("a", "b"),
            SinkSpec.Mode.UPSERT,
            null,
            SinkSpec.Commit.PARTITION,
            100,
            false,
            0);
    try (PostgresSink sink =
        new PostgresSink(TestDatabase.dataSource(), spec, columns, false, null)) {
      sink.prepare();
      sink.fence("all", 1);
      try (SinkSession session = sink.begin(new TaskRef(1, 1, "pairs", "all", 1, 1))) {
        session.stage(2, new Object[] {1L, "x", "first"});
        session.stage(3, new Object[] {1L, "y", "other"});
        session.stage(4, new Object[] {1L, "x", "second"});
        assertThat(session.publish(rejects, n -> true).rejected()).isEqualTo(1);
      }
    }
    assertThat(rejected).singleElement().asString().startsWith("4|");
    assertThat(count("select count(*) from pairs where name in ('first', 'other')")).isEqualTo(2);
  }

  private static PostgresSink sink(SinkSpec.Mode mode, int keepVersions) {
    return ItemsSink.open(mode, SinkSpec.Commit.PARTITION, keepVersions);
  }

  private static SinkSession begin(PostgresSink sink) {
    return ItemsSink.begin(sink);
  }

  private static long count(String sql) {
    return TestDatabase.count(sql);
  }

  private static void exec(String... sql) {
    TestDatabase.exec(sql);
  }
}
