package dev.keel.connectors.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.keel.spec.SinkSpec;
import dev.keel.testkit.TestDatabase;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Since sink V6 a versioned upsert records each row it writes in a table of the target's own row
 * type (keel_sink.row_image_&lt;id&gt;): the prior row of an updated one, the key of an inserted
 * one. Records written as text in keel_sink.row_version (before V6, or after a change of the
 * target's columns) still roll back, alone or together with the new ones.
 */
class RowImagesTest {
  private static VersionedTable table(int keep) throws Exception {
    return new VersionedTable(
        TestDatabase.dataSource(), SinkSpec.Mode.UPSERT, keep, SinkSpec.Commit.PARTITION);
  }

  @Test
  void an_upsert_records_each_row_it_wrote_in_the_targets_row_type_and_prunes_them()
      throws Exception {
    try (VersionedTable t = table(2)) {
      t.load(1, "p", VersionedTable.row(1, "a", "p"), VersionedTable.row(2, "b", "p"));
      List<String> afterRun1 = t.rows("p");
      String note2 = text("SELECT note FROM items WHERE id = 2").get(0);
      // Row 1 unchanged, row 2 changed, row 3 new.
      t.load(
          2,
          "p",
          VersionedTable.row(1, "a", "p"),
          VersionedTable.row(2, "B", "p"),
          VersionedTable.row(3, "c", "p"));

      long run2 = t.count("SELECT id FROM keel_sink.version WHERE run_id = 2");
      // Three rows staged: a table of run 2's version alone (the tests' OWN_TABLE_ROWS is 3).
      assertThat(RowImages.OWN_TABLE_ROWS).isEqualTo(3);
      String images = imagesTable() + "_" + run2;
      assertThat(text("SELECT count(*) FROM " + imagesTable() + " WHERE _keel_version = " + run2))
          .containsExactly("0");
      assertThat(
              text(
                  "SELECT _keel_op::text || ':' || id || ':' || coalesce(name, '-') || ':'"
                      + " || coalesce(amount::text, '-') || ':' || coalesce(note, '-') FROM "
                      + images
                      + " WHERE _keel_version = "
                      + run2
                      + " ORDER BY id"))
          .containsExactly("u:2:b:2.25:" + note2, "i:3:-:-:-");
      assertThat(t.count("SELECT count(*) FROM keel_sink.row_version WHERE op = 'u'")).isZero();
      assertThat(t.history().loads("p").get(0).updated()).isEqualTo(1);
      assertThat(t.history().loads("p").get(0).inserted()).isEqualTo(1);

      t.rollback("p", 1);
      assertThat(t.rows("p")).isEqualTo(afterRun1);

      // keep_versions: 2 keeps the records of the two newest loads only: run 2's table goes
      // (dropped, not emptied), one-row loads record in the shared table.
      t.load(3, "p", VersionedTable.row(2, "x", "p"));
      t.load(4, "p", VersionedTable.row(2, "y", "p"));
      assertThat(text("SELECT to_regclass('" + images + "') IS NULL")).containsExactly("t");
      assertThat(t.count("SELECT count(*) FROM " + imagesTable())).isPositive();
    }
  }

  @Test
  void records_written_as_text_before_sink_v6_roll_back_together_with_the_new_ones()
      throws Exception {
    try (VersionedTable t = table(8)) {
      List<List<String>> after = new ArrayList<>();
      after.add(List.of());
      RowImages.recording = false;
      try {
        t.load(1, "p", VersionedTable.row(1, "a", "p"), VersionedTable.row(2, "b", "p"));
        after.add(t.rows("p"));
        t.load(2, "p", VersionedTable.row(2, "B", "p"), VersionedTable.row(3, "c", "p"));
        after.add(t.rows("p"));
        t.load(3, "p", VersionedTable.row(1, "A", "p"), VersionedTable.row(3, "C", "p"));
        after.add(t.rows("p"));
      } finally {
        RowImages.recording = true;
      }
      assertThat(t.count("SELECT count(*) FROM keel_sink.row_image")).isZero();
      t.load(4, "p", VersionedTable.row(1, "a4", "p"), VersionedTable.row(4, "d", "p"));
      after.add(t.rows("p"));
      t.load(5, "p", VersionedTable.row(2, "b5", "p"), VersionedTable.row(3, "c5", "p"));
      after.add(t.rows("p"));
      assertThat(t.count("SELECT count(*) FROM keel_sink.row_version WHERE op = 'u'")).isPositive();
      assertThat(t.count("SELECT count(*) FROM " + imagesTable() + " WHERE _keel_op = 'u'"))
          .isPositive();

      t.rollback("p", 2);
      assertThat(t.rows("p")).isEqualTo(after.get(2));
      t.rollback("p", 5);
      assertThat(t.rows("p")).isEqualTo(after.get(5));
      t.rollback("p", 1);
      assertThat(t.rows("p")).isEqualTo(after.get(1));
      t.rollback("p", 4);
      assertThat(t.rows("p")).isEqualTo(after.get(4));
    }
  }

  @Test
  void after_a_change_of_the_targets_columns_an_upsert_records_as_text_and_still_rolls_back()
      throws Exception {
    try (VersionedTable t = table(4)) {
      t.load(1, "p", VersionedTable.row(1, "a", "p"), VersionedTable.row(2, "b", "p"));
      t.load(2, "p", VersionedTable.row(1, "A", "p"), VersionedTable.row(3, "c", "p"));
      String images = imagesTable();
      long typed = t.count("SELECT count(*) FROM " + images);
      assertThat(typed).isPositive();

      t.execute("ALTER TABLE items ADD COLUMN extra int DEFAULT 7");
      t.load(3, "p", VersionedTable.row(1, "a3", "p"), VersionedTable.row(4, "d", "p"));
      List<String> afterRun3 = t.rows("p");
      t.load(4, "p", VersionedTable.row(1, "a4", "p"), VersionedTable.row(3, "c4", "p"));

      assertThat(t.count("SELECT count(*) FROM " + images)).isEqualTo(typed);
      assertThat(t.count("SELECT count(*) FROM keel_sink.row_version WHERE op = 'u'")).isPositive();
      t.rollback("p", 3);
      assertThat(t.rows("p")).isEqualTo(afterRun3);
    }
  }

  @Test
  void a_target_with_a_column_of_a_domain_records_as_text() throws Exception {
    try (VersionedTable t = table(4)) {
      t.execute("DROP DOMAIN IF EXISTS item_note CASCADE");
      t.execute("CREATE DOMAIN item_note AS text NOT NULL");
      t.execute("ALTER TABLE items ALTER COLUMN note TYPE item_note");
      t.load(1, "p", VersionedTable.row(1, "a", "p"), VersionedTable.row(2, "b", "p"));
      List<String> afterRun1 = t.rows("p");
      t.load(2, "p", VersionedTable.row(1, "A", "p"), VersionedTable.row(3, "c", "p"));

      assertThat(t.count("SELECT count(*) FROM keel_sink.row_image")).isZero();
      assertThat(t.count("SELECT count(*) FROM keel_sink.row_version WHERE op = 'u'")).isPositive();
      t.rollback("p", 1);
      assertThat(t.rows("p")).isEqualTo(afterRun1);
    }
  }

  @Test
  void the_targets_trigger_records_the_prior_rows_and_with_it_disabled_the_join_does()
      throws Exception {
    try (VersionedTable t = table(8)) {
      // A trigger of the test's own on items notes keel.prior_rows as each UPDATE of items ends:
      // whether keel's publish asked keel_prior_rows to record.
      t.execute("DROP TABLE IF EXISTS seen_prior_rows");
      t.execute("CREATE TABLE seen_prior_rows (setting text)");
      t.execute(
          "CREATE OR REPLACE FUNCTION note_prior_rows() RETURNS trigger LANGUAGE plpgsql AS $$"
              + " BEGIN INSERT INTO seen_prior_rows VALUES"
              + " (coalesce(current_setting('keel.prior_rows', true), '')); RETURN NULL; END $$");
      t.load(1, "p", VersionedTable.row(1, "a", "p"), VersionedTable.row(2, "b", "p"));
      t.execute(
          "CREATE TRIGGER zz_note AFTER UPDATE ON items FOR EACH STATEMENT"
              + " EXECUTE FUNCTION note_prior_rows()");
      List<String> afterRun1 = t.rows("p");
      assertThat(
              text(
                  "SELECT tgenabled::text || ':' || tgoldtable FROM pg_trigger"
                      + " WHERE tgrelid = 'items'::regclass AND tgname = 'keel_prior_rows'"))
          .containsExactly("O:keel_prior");

      // Three rows staged: run 2's own table (the tests' OWN_TABLE_ROWS is 3).
      t.load(
          2,
          "p",
          VersionedTable.row(1, "a", "p"),
          VersionedTable.row(2, "B", "p"),
          VersionedTable.row(3, "c", "p"));
      List<String> afterRun2 = t.rows("p");
      long run2 = t.count("SELECT id FROM keel_sink.version WHERE run_id = 2");
      assertThat(text("SELECT setting FROM seen_prior_rows"))
          .containsExactly(
              text("SELECT 'items'::regclass::oid::text").get(0)
                  + " "
                  + run2
                  + " 0 keel_sink.\"row_image_"
                  + text("SELECT id FROM keel_sink.row_image WHERE target = 'public.items'").get(0)
                  + "_"
                  + run2
                  + "\"");
      assertThat(ops(imagesTable() + "_" + run2)).containsExactly("u:2:b", "i:3:-");

      // Disabled, it records nothing: the upsert joins instead, and records the same.
      t.execute("ALTER TABLE items DISABLE TRIGGER keel_prior_rows");
      t.execute("TRUNCATE seen_prior_rows");
      t.load(
          3,
          "p",
          VersionedTable.row(1, "A", "p"),
          VersionedTable.row(3, "c", "p"),
          VersionedTable.row(4, "d", "p"));
      long run3 = t.count("SELECT id FROM keel_sink.version WHERE run_id = 3");
      assertThat(text("SELECT setting FROM seen_prior_rows")).containsExactly("");
      assertThat(ops(imagesTable() + "_" + run3)).containsExactly("u:1:a", "i:4:-");
      assertThat(t.history().loads("p").get(0).updated()).isEqualTo(1);
      assertThat(t.history().loads("p").get(0).inserted()).isEqualTo(1);

      t.rollback("p", 2);
      assertThat(t.rows("p")).isEqualTo(afterRun2);
      t.rollback("p", 1);
      assertThat(t.rows("p")).isEqualTo(afterRun1);
    }
  }

  @Test
  void a_target_too_busy_for_the_trigger_is_recorded_by_the_join_until_a_later_run_puts_it()
      throws Exception {
    try (VersionedTable t = table(8)) {
      t.load(1, "p", VersionedTable.row(1, "a", "p"), VersionedTable.row(2, "b", "p"));
      List<String> afterRun1 = t.rows("p");
      t.execute("DROP TRIGGER keel_prior_rows ON items");
      String trigger =
          "SELECT count(*) FROM pg_trigger WHERE tgrelid = 'items'::regclass"
              + " AND tgname = 'keel_prior_rows'";
      try (Connection writer = TestDatabase.dataSource().getConnection();
          Statement st = writer.createStatement()) {
        // A writer's open transaction: CREATE TRIGGER waits for it, 2 s at most, then gives up.
        writer.setAutoCommit(false);
        st.execute("LOCK TABLE items IN ROW EXCLUSIVE MODE");
        t.load(2, "p", VersionedTable.row(2, "B", "p"), VersionedTable.row(3, "c", "p"));
        writer.rollback();
      }
      assertThat(t.count(trigger)).isZero();
      long run2 = t.count("SELECT id FROM keel_sink.version WHERE run_id = 2");
      assertThat(ops(imagesTable() + " WHERE _keel_version = " + run2))
          .containsExactly("u:2:b", "i:3:-");

      t.load(3, "p", VersionedTable.row(3, "C", "p"));
      assertThat(t.count(trigger)).isEqualTo(1);
      long run3 = t.count("SELECT id FROM keel_sink.version WHERE run_id = 3");
      assertThat(ops(imagesTable() + " WHERE _keel_version = " + run3)).containsExactly("u:3:c");
      t.rollback("p", 1);
      assertThat(t.rows("p")).isEqualTo(afterRun1);
    }
  }

  @Test
  void a_partitioned_target_gets_no_trigger_and_its_upserts_join() throws Exception {
    try (VersionedTable t = table(8)) {
      t.execute("DROP TABLE items");
      t.execute(
          "CREATE TABLE items (id bigint PRIMARY KEY, name text, amount numeric(12,2),"
              + " ts timestamptz, part text, note text DEFAULT 'n' || nextval('items_note'))"
              + " PARTITION BY HASH (id)");
      t.execute("CREATE TABLE items_0 PARTITION OF items FOR VALUES WITH (MODULUS 2, REMAINDER 0)");
      t.execute("CREATE TABLE items_1 PARTITION OF items FOR VALUES WITH (MODULUS 2, REMAINDER 1)");
      t.load(1, "p", VersionedTable.row(1, "a", "p"), VersionedTable.row(2, "b", "p"));
      List<String> afterRun1 = t.rows("p");
      t.load(2, "p", VersionedTable.row(2, "B", "p"), VersionedTable.row(3, "c", "p"));

      assertThat(
              t.count(
                  "SELECT count(*) FROM pg_trigger WHERE tgname = 'keel_prior_rows' AND tgrelid IN"
                      + " ('items'::regclass, 'items_0'::regclass, 'items_1'::regclass)"))
          .isZero();
      long run2 = t.count("SELECT id FROM keel_sink.version WHERE run_id = 2");
      assertThat(ops(imagesTable() + " WHERE _keel_version = " + run2))
          .containsExactly("u:2:b", "i:3:-");
      t.rollback("p", 1);
      assertThat(t.rows("p")).isEqualTo(afterRun1);
    }
  }

  @Test
  void the_trigger_records_only_for_the_target_a_transaction_names() throws Exception {
    try (VersionedTable t = table(8)) {
      t.load(1, "p", VersionedTable.row(1, "a", "p"), VersionedTable.row(2, "b", "p"));
      String images = quotedImagesTable();
      long before = t.count("SELECT count(*) FROM " + images);
      String oid = text("SELECT 'items'::regclass::oid::text").get(0);
      try (Connection c = TestDatabase.dataSource().getConnection();
          Statement st = c.createStatement()) {
        c.setAutoCommit(false);
        // Anyone's UPDATE: nothing recorded.
        st.execute("UPDATE items SET name = 'x' WHERE id = 1");
        // keel.prior_rows naming another table: nothing recorded.
        st.execute("SELECT set_config('keel.prior_rows', '1 77 0 " + images + "', true)");
        st.execute("UPDATE items SET name = 'y' WHERE id = 1");
        assertThat(count(st, "SELECT count(*) FROM " + images)).isEqualTo(before);
        // Naming items: the prior row, under the version and chunk it names.
        st.execute("SELECT set_config('keel.prior_rows', '" + oid + " 77 5 " + images + "', true)");
        st.execute("UPDATE items SET name = 'z' WHERE id = 2");
        assertThat(
                count(
                    st,
                    "SELECT count(*) FROM "
                        + images
                        + " WHERE _keel_version = 77 AND _keel_chunk = 5 AND _keel_op = 'u'"
                        + " AND id = 2 AND name = 'b'"))
            .isEqualTo(1);
        // Nor what an UPDATE nested in another trigger changes: only the statement's own rows.
        st.execute(
            "CREATE FUNCTION pg_temp.touch_all() RETURNS trigger LANGUAGE plpgsql AS $$"
                + " BEGIN UPDATE items SET note = note || '+'; RETURN NULL; END $$");
        st.execute(
            "CREATE TRIGGER a_touch AFTER UPDATE ON items FOR EACH STATEMENT"
                + " WHEN (pg_trigger_depth() < 1) EXECUTE FUNCTION pg_temp.touch_all()");
        st.execute("UPDATE items SET name = 'w' WHERE id = 2");
        assertThat(count(st, "SELECT count(*) FROM " + images + " WHERE _keel_version = 77"))
            .isEqualTo(2);
        assertThat(count(st, "SELECT count(*) FROM items WHERE note LIKE '%+'")).isEqualTo(2);
        c.rollback();
      }
    }
  }

  @Test
  void a_value_that_names_no_images_table_is_refused() throws Exception {
    try (VersionedTable t = table(8)) {
      t.load(1, "p", VersionedTable.row(1, "a", "p"), VersionedTable.row(2, "b", "p"));
      String oid = text("SELECT 'items'::regclass::oid::text").get(0);
      try (Connection c = TestDatabase.dataSource().getConnection();
          Statement st = c.createStatement()) {
        c.setAutoCommit(false);
        st.execute(
            "SELECT set_config('keel.prior_rows', '"
                + oid
                + " 77 0 public.items;DROP/**/TABLE/**/items', true)");
        assertThatThrownBy(() -> st.execute("UPDATE items SET name = 'x' WHERE id = 1"))
            .hasMessageContaining("not one of keel's images tables");
        c.rollback();
      }
      assertThat(t.rows("p")).hasSize(2);
    }
  }

  @Test
  void a_trigger_disabled_before_the_upsert_ran_fails_the_publish_to_be_retried() throws Exception {
    try (VersionedTable t = table(8)) {
      t.load(1, "p", VersionedTable.row(1, "a", "p"), VersionedTable.row(2, "b", "p"));
      TargetTable target =
          new TargetTable(
              ItemsSink.spec(SinkSpec.Mode.UPSERT, SinkSpec.Commit.PARTITION, 0, 8),
              VersionedTable.COLUMNS);
      try (Connection c = TestDatabase.dataSource().getConnection()) {
        c.setAutoCommit(false);
        RowImages images = RowImages.find(c, target);
        long relid = images.priorRowsTrigger(c, target);
        assertThat(relid).isPositive();
        RowImages.startRecordingPriorRows(c, relid, images.qualified, 77, 0);
        // Between the check and the first statement, someone disables it.
        t.execute("ALTER TABLE items DISABLE TRIGGER keel_prior_rows");
        try (Statement st = c.createStatement()) {
          st.execute("UPDATE items SET name = 'x' WHERE id = 1");
        }
        assertThatThrownBy(() -> images.stopRecordingPriorRows(c, target, relid))
            .isInstanceOfSatisfying(
                SQLException.class, e -> assertThat(e.getSQLState()).isEqualTo("40001"))
            .hasMessageContaining("changed while a versioned upsert ran");
        c.rollback();
      }
    }
  }

  /** op:id:name of each row recorded in {@code table} (and a WHERE clause), by id. */
  private static List<String> ops(String table) {
    return text(
        "SELECT _keel_op::text || ':' || id || ':' || coalesce(name, '-') FROM "
            + table
            + " ORDER BY id");
  }

  private static long count(Statement st, String sql) throws SQLException {
    try (ResultSet rs = st.executeQuery(sql)) {
      rs.next();
      return rs.getLong(1);
    }
  }

  /** keel_sink."row_image_&lt;id&gt;", as keel names it. */
  private static String quotedImagesTable() {
    return text("SELECT 'keel_sink.\"row_image_' || id || '\"' FROM keel_sink.row_image"
            + " WHERE target = 'public.items'")
        .get(0);
  }

  private static String imagesTable() {
    return text("SELECT 'keel_sink.row_image_' || id FROM keel_sink.row_image"
            + " WHERE target = 'public.items'")
        .get(0);
  }

  private static List<String> text(String sql) {
    List<String> out = new ArrayList<>();
    try (Connection c = TestDatabase.dataSource().getConnection();
        Statement st = c.createStatement();
        ResultSet rs = st.executeQuery(sql)) {
      while (rs.next()) {
        out.add(rs.getString(1));
      }
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
    return out;
  }
}
