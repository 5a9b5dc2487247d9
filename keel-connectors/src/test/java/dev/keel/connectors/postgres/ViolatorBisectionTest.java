package dev.keel.connectors.postgres;

import static dev.keel.connectors.postgres.ItemsSink.COLUMNS;
import static dev.keel.connectors.postgres.ItemsSink.TASK;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.keel.runtime.RejectedLimitException;
import dev.keel.runtime.Rejects;
import dev.keel.spec.Column;
import dev.keel.spec.ColumnType;
import dev.keel.spec.SinkSpec;
import dev.keel.testkit.TestDatabase;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The bisection on a real PostgreSQL, inside one open transaction as the sink runs it: which rows
 * it sets aside, what it costs in inserts, and where it stops.
 */
class ViolatorBisectionTest {
  private Connection conn;
  private final List<String> rejected = new ArrayList<>();
  private final Rejects rejects = ItemsSink.noting(rejected);

  @BeforeEach
  void connect() throws SQLException {
    conn = TestDatabase.dataSource().getConnection();
    exec("DROP TABLE IF EXISTS items", "DROP TABLE IF EXISTS parents");
    conn.setAutoCommit(false);
  }

  @AfterEach
  void close() throws SQLException {
    conn.rollback();
    conn.close();
  }

  @Test
  void a_publish_that_breaks_nothing_is_one_insert() throws SQLException {
    stage(10_000, id -> "n" + id);
    ViolatorBisection bisection = bisection(SinkSpec.Mode.UPSERT, Long.MAX_VALUE);

    assertThat(bisection.publish()).isZero();

    assertThat(bisection.inserts()).isEqualTo(1);
    assertThat(count("select count(*) from items")).isEqualTo(10_000);
  }

  @Test
  void v_violators_among_n_rows_are_found_in_at_most_2_v_log2_n_plus_1_inserts()
      throws SQLException {
    int n = 20_000;
    TreeSet<Long> bad = new TreeSet<>();
    Random random = new Random(42);
    while (bad.size() < 7) {
      bad.add(1 + (long) random.nextInt(n));
    }
    stage(n, id -> bad.contains(id) ? "forbidden" : "n" + id);
    ViolatorBisection bisection = bisection(SinkSpec.Mode.APPEND, Long.MAX_VALUE);

    assertThat(bisection.publish()).isEqualTo(7);

    int log2n = 64 - Long.numberOfLeadingZeros(n - 1);
    assertThat(bisection.inserts()).isLessThanOrEqualTo(2 * 7 * log2n + 1);
    assertThat(rejected)
        .extracting(r -> Long.parseLong(r.substring(0, r.indexOf('|'))))
        .containsExactlyElementsOf(bad.stream().map(id -> id + 1).toList());
    assertThat(rejected.get(0))
        .endsWith(
            "|"
                + bad.first()
                + ",forbidden|constraint items_name_check of public.items:"
                + " new row for relation \"items\" violates check constraint \"items_name_check\"; Failing row contains ("
                + bad.first()
                + ", forbidden).");
    assertThat(count("select count(*) from items")).isEqualTo(n - 7);
    assertThat(count("select count(*) from keel_stage")).isEqualTo(n - 7);
  }

  @Test
  void of_two_staged_rows_that_conflict_the_later_by_position_is_rejected() throws SQLException {
    exec("CREATE TABLE items (id bigint PRIMARY KEY, name text UNIQUE)");
    stage(1_000, id -> id == 300 || id == 700 ? "twin" : "n" + id);

    ViolatorBisection bisection = bisection(SinkSpec.Mode.UPSERT, Long.MAX_VALUE);

    assertThat(bisection.publish()).isEqualTo(1);
    assertThat(count("select id from items where name = 'twin'")).isEqualTo(300);
    assertThat(rejected)
        .singleElement()
        .asString()
        .startsWith(
            "701|700,twin|constraint items_name_key of public.items:"
                + " duplicate key value violates unique constraint \"items_name_key\"; Key (name)=(twin) already exists.");
  }

  @Test
  void a_null_in_a_column_the_target_holds_not_null_names_the_column() throws SQLException {
    exec("CREATE TABLE items (id bigint PRIMARY KEY, name text NOT NULL)");
    stage(100, id -> id == 50 ? null : "n" + id);

    assertThat(bisection(SinkSpec.Mode.UPSERT, Long.MAX_VALUE).publish()).isEqualTo(1);

    assertThat(rejected)
        .singleElement()
        .asString()
        .startsWith("51|50,|")
        .contains(
            " of public.items: null value in column \"name\" of relation \"items\" violates not-null constraint");
  }

  @Test
  void a_class_23_error_that_names_no_constraint_fails_the_publish_instead_of_rejecting_rows()
      throws SQLException {
    exec(
        "CREATE TABLE items (id bigint PRIMARY KEY, name text)",
        "CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN"
            + " RAISE EXCEPTION 'writes are frozen' USING ERRCODE = '23514'; END $$",
        "CREATE TRIGGER frozen BEFORE INSERT ON items FOR EACH ROW EXECUTE FUNCTION refuse()");
    stage(1_000, id -> "n" + id);
    ViolatorBisection bisection = bisection(SinkSpec.Mode.UPSERT, Long.MAX_VALUE);

    assertThatThrownBy(bisection::publish)
        .isInstanceOf(SQLException.class)
        .hasMessageContaining("writes are frozen");

    assertThat(rejected).isEmpty();
    assertThat(bisection.inserts()).isEqualTo(1);
  }

  @Test
  void when_every_row_breaks_a_constraint_the_search_stops_one_past_the_limit()
      throws SQLException {
    stage(100_000, id -> "forbidden");
    ViolatorBisection bisection = bisection(SinkSpec.Mode.APPEND, 3);

    assertThatThrownBy(bisection::publish)
        .isInstanceOf(RejectedLimitException.class)
        .hasMessageStartingWith(
            "4 records of items/all (run 1, task 1, attempt 1) were rejected when publishing to public.items");

    assertThat(rejected).hasSize(4);
    assertThat(bisection.inserts()).isLessThan(2 * 17 + 8);
  }

  @Test
  void a_deferred_foreign_key_is_checked_row_by_row() throws SQLException {
    exec(
        "CREATE TABLE parents (id bigint PRIMARY KEY)",
        "INSERT INTO parents SELECT g FROM generate_series(1, 10) g",
        "CREATE TABLE items (id bigint PRIMARY KEY, name text, parent bigint REFERENCES parents DEFERRABLE INITIALLY DEFERRED)");
    List<Column> columns =
        List.of(COLUMNS.get(0), COLUMNS.get(1), new Column("parent", ColumnType.parse("bigint")));
    exec(
        StageTable.create(columns),
        "INSERT INTO keel_stage SELECT g + 1, g, 'n' || g, CASE WHEN g = 33 THEN 99 ELSE g % 10 + 1 END FROM generate_series(1, 100) g");
    PostgresSinkSpec spec = spec(SinkSpec.Mode.UPSERT);
    TargetTable target = new TargetTable(spec, columns);
    target.createOrCheck(conn);
    PublishStatement statement = new PublishStatement(spec, columns, target);
    statement.beforeInsert(conn, "all");

    long violators =
        new ViolatorBisection(conn, statement, target, columns, TASK, rejects, 0, r -> true)
            .publish();

    assertThat(violators).isEqualTo(1);
    assertThat(rejected)
        .singleElement()
        .asString()
        .startsWith("34|33,n33,99|constraint items_parent_fkey of public.items:")
        .contains("Key (parent)=(99) is not present in table \"parents\"");
    conn.commit();
    assertThat(count("select count(*) from items")).isEqualTo(99);
  }

  @Test
  void a_row_whose_parent_comes_later_in_the_batch_is_published_when_another_row_breaks_a_check()
      throws SQLException {
    // A foreign key of the table to itself, NOT DEFERRABLE (the default): the insert of all rows
    // checks it at the end of the statement, so a row may reference one later in the batch.
    exec(
        "CREATE TABLE items (id bigint PRIMARY KEY, name text CHECK (name <> 'forbidden'), parent bigint REFERENCES items)");
    List<Column> columns =
        List.of(COLUMNS.get(0), COLUMNS.get(1), new Column("parent", ColumnType.parse("bigint")));
    exec(
        StageTable.create(columns),
        "INSERT INTO keel_stage SELECT g + 1, g, CASE WHEN g = 95 THEN 'forbidden' ELSE 'n' || g END,"
            + " CASE WHEN g = 10 THEN 90 END FROM generate_series(1, 100) g");
    PostgresSinkSpec spec = spec(SinkSpec.Mode.APPEND);
    TargetTable target = new TargetTable(spec, columns);
    target.createOrCheck(conn);
    PublishStatement statement = new PublishStatement(spec, columns, target);
    statement.beforeInsert(conn, "all");

    long violators =
        new ViolatorBisection(conn, statement, target, columns, TASK, rejects, 0, r -> true)
            .publish();

    assertThat(rejected)
        .singleElement()
        .asString()
        .startsWith("96|95,forbidden,|constraint items_name_check");
    assertThat(violators).isEqualTo(1);
    assertThat(count("select parent from items where id = 10")).isEqualTo(90);
    conn.commit();
    assertThat(count("select count(*) from items")).isEqualTo(99);
  }

  @Test
  void a_chain_of_rows_whose_root_breaks_a_check_is_rejected_whole_and_the_rest_published()
      throws SQLException {
    exec(
        "CREATE TABLE items (id bigint PRIMARY KEY, name text CHECK (name <> 'forbidden'), parent bigint REFERENCES items)");
    List<Column> columns =
        List.of(COLUMNS.get(0), COLUMNS.get(1), new Column("parent", ColumnType.parse("bigint")));
    // 5 -> 50 -> 80 (forbidden); 20 -> 60 (fine).
    exec(
        StageTable.create(columns),
        "INSERT INTO keel_stage SELECT g + 1, g, CASE WHEN g = 80 THEN 'forbidden' ELSE 'n' || g END,"
            + " CASE g WHEN 5 THEN 50 WHEN 50 THEN 80 WHEN 20 THEN 60 END FROM generate_series(1, 100) g");
    PostgresSinkSpec spec = spec(SinkSpec.Mode.APPEND);
    TargetTable target = new TargetTable(spec, columns);
    target.createOrCheck(conn);
    PublishStatement statement = new PublishStatement(spec, columns, target);
    statement.beforeInsert(conn, "all");

    long violators =
        new ViolatorBisection(conn, statement, target, columns, TASK, rejects, 0, r -> true)
            .publish();

    assertThat(violators).isEqualTo(3);
    // The root first (found by the search), then its descendants (set aside, rejected once it was).
    assertThat(rejected)
        .extracting(r -> r.substring(0, r.indexOf('|')))
        .containsExactly("81", "51", "6");
    assertThat(rejected.get(0)).contains("constraint items_name_check");
    assertThat(rejected.get(1))
        .contains("constraint items_parent_fkey")
        .contains("Key (parent)=(80) is not present");
    assertThat(rejected.get(2))
        .contains("constraint items_parent_fkey")
        .contains("Key (parent)=(50) is not present");
    assertThat(count("select parent from items where id = 20")).isEqualTo(60);
    conn.commit();
    assertThat(count("select count(*) from items")).isEqualTo(97);
  }

  @Test
  void
      two_rows_referencing_each_other_that_the_search_splits_are_upserted_together_and_an_orphan_counts_at_once()
          throws SQLException {
    exec(
        "CREATE TABLE items (id bigint PRIMARY KEY, name text CHECK (name <> 'forbidden'), parent bigint REFERENCES items)");
    List<Column> columns =
        List.of(COLUMNS.get(0), COLUMNS.get(1), new Column("parent", ColumnType.parse("bigint")));
    // 30 <-> 70 (a cycle across the halves), 40 -> 999 (missing), 90 forbidden.
    exec(
        StageTable.create(columns),
        "INSERT INTO keel_stage SELECT g + 1, g, CASE WHEN g = 90 THEN 'forbidden' ELSE 'n' || g END,"
            + " CASE g WHEN 30 THEN 70 WHEN 70 THEN 30 WHEN 40 THEN 999 END FROM generate_series(1, 100) g");
    PostgresSinkSpec spec = spec(SinkSpec.Mode.UPSERT);
    TargetTable target = new TargetTable(spec, columns);
    target.createOrCheck(conn);
    PublishStatement statement = new PublishStatement(spec, columns, target);
    statement.beforeInsert(conn, "all");
    List<Long> asked = new ArrayList<>();

    long violators =
        new ViolatorBisection(conn, statement, target, columns, TASK, rejects, 0, r -> asked.add(r))
            .publish();

    assertThat(violators).isEqualTo(2);
    assertThat(rejected)
        .extracting(r -> r.substring(0, r.indexOf('|')))
        .containsExactly("41", "91");
    assertThat(asked).containsExactly(1L, 2L);
    assertThat(count("select count(*) from items where parent is not null")).isEqualTo(2);
    conn.commit();
    assertThat(count("select count(*) from items")).isEqualTo(98);
  }

  private ViolatorBisection bisection(SinkSpec.Mode mode, long limit) throws SQLException {
    PostgresSinkSpec spec = spec(mode);
    TargetTable target = new TargetTable(spec, COLUMNS);
    exec(
        "CREATE TABLE IF NOT EXISTS items (id bigint PRIMARY KEY, name text CHECK (name <> 'forbidden'))");
    target.createOrCheck(conn);
    PublishStatement statement = new PublishStatement(spec, COLUMNS, target);
    statement.beforeInsert(conn, "all");
    return new ViolatorBisection(
        conn, statement, target, COLUMNS, TASK, rejects, 0, r -> r <= limit);
  }

  private static PostgresSinkSpec spec(SinkSpec.Mode mode) {
    return ItemsSink.spec(mode, SinkSpec.Commit.PARTITION, 0, 0);
  }

  /** Rows 1..n at positions 2..n+1 (a CSV file's lines), named by {@code name}. */
  private void stage(int n, java.util.function.LongFunction<String> name) throws SQLException {
    exec(StageTable.create(COLUMNS));
    try (var ps = conn.prepareStatement("INSERT INTO keel_stage VALUES (?, ?, ?)")) {
      for (long id = 1; id <= n; id++) {
        ps.setLong(1, id + 1);
        ps.setLong(2, id);
        ps.setString(3, name.apply(id));
        ps.addBatch();
      }
      ps.executeBatch();
    }
  }

  private void exec(String... sql) throws SQLException {
    try (Statement st = conn.createStatement()) {
      for (String s : sql) {
        st.execute(s);
      }
    }
  }

  private long count(String sql) throws SQLException {
    try (Statement st = conn.createStatement();
        ResultSet rs = st.executeQuery(sql)) {
      rs.next();
      return rs.getLong(1);
    }
  }
}
