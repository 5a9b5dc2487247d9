package dev.keel.connectors.postgres;

import static org.assertj.core.api.Assertions.assertThat;

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
