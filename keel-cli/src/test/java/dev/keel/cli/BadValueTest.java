package dev.keel.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keel.testkit.TestDatabase;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One bad value is one dead letter with its source line, and the rest is published: values
 * PostgreSQL would refuse are caught by coercion, and one it still refuses at COPY is set aside.
 */
class BadValueTest {
  @TempDir Path dir;

  @BeforeEach
  void emptyDatabase() {
    TestDatabase.reset();
  }

  private Cli run(String data, String file, String yaml) throws IOException {
    Files.writeString(dir.resolve(file), data);
    Path p = dir.resolve("p.yaml");
    Files.writeString(p, yaml);
    return Cli.runPipeline(p);
  }

  private static List<String> deadLetters() {
    return TestDatabase.rows(
        "select position || ' ' || reason from keel.dead_letter order by position");
  }

  @Test
  void a_real_that_underflows_is_one_dead_letter_with_its_source_line() throws IOException {
    Cli cli =
        run(
            "id,r\n1,1\n2,1e-46\n3,2.5\n",
            "t.csv",
            """
        name: t
        source: { csv: { path: t.csv, header: true } }
        columns: { id: bigint, r: real }
        validate: { max_rejected: 10 }
        sink: { postgres: { key: [id] } }
        """);

    assertThat(cli.exit()).as(cli.toString()).isZero();
    assertThat(TestDatabase.rows("select id || '|' || r from t order by id"))
        .containsExactly("1|1", "3|2.5");
    assertThat(deadLetters())
        .singleElement()
        .asString()
        .startsWith("3 column r:")
        .contains("too small");
  }

  @Test
  void years_postgresql_cannot_read_and_sub_microsecond_digits_are_dead_letters()
      throws IOException {
    Cli cli =
        run(
            """
        id,d,ts,tz
        1,2026-01-01,2026-01-01T00:00:00,2026-01-01T00:00:00Z
        2,0000-01-01,2026-01-01T00:00:00,2026-01-01T00:00:00Z
        3,2026-01-01,-0001-01-01T00:00:00,2026-01-01T00:00:00Z
        4,2026-01-01,2026-01-01T00:00:00,-4713-11-24T00:00:00Z
        5,2026-01-01,2026-01-01T00:00:00,2026-01-01T23:59:59.9999995Z
        6,0001-01-01,9999-12-31T23:59:59.999999,2026-01-01T23:59:59.999999000Z
        """,
            "t.csv",
            """
        name: t
        source: { csv: { path: t.csv, header: true } }
        columns: { id: bigint, d: date, ts: timestamp, tz: timestamptz }
        validate: { max_rejected: 10 }
        sink: { postgres: { key: [id] } }
        """);

    assertThat(cli.exit()).as(cli.toString()).isZero();
    assertThat(TestDatabase.rows("select id from t order by id")).containsExactly("1", "6");
    assertThat(TestDatabase.value("select ts::text from t where id = 6"))
        .isEqualTo("9999-12-31 23:59:59.999999");
    List<String> reasons = deadLetters();
    assertThat(reasons).hasSize(4);
    assertThat(reasons.get(0)).startsWith("3 column d:").contains("outside the years 1 to 9999");
    assertThat(reasons.get(1)).startsWith("4 column ts:").contains("outside the years 1 to 9999");
    assertThat(reasons.get(2)).startsWith("5 column tz:").contains("outside the years 1 to 9999");
    assertThat(reasons.get(3)).startsWith("6 column tz:").contains("finer than microseconds");
  }

  @Test
  void a_value_postgresql_still_refuses_at_copy_is_one_dead_letter_with_its_source_line()
      throws IOException {
    // Plain numeric takes any decimal in coercion; PostgreSQL's numeric stops at 131072 digits
    // before the point, so the COPY refuses 1e200000 (22003) and the row is set aside.
    Cli cli =
        run(
            "id,n\n1,1.5\n2,1e200000\n3,2\n4,1e300000\n5,3\n",
            "t.csv",
            """
        name: t
        source: { csv: { path: t.csv, header: true } }
        columns: { id: bigint, n: numeric }
        validate: { max_rejected: 10 }
        sink: { postgres: { key: [id] } }
        """);

    assertThat(cli.exit()).as(cli.toString()).isZero();
    assertThat(TestDatabase.rows("select id || '|' || n from t order by id"))
        .containsExactly("1|1.5", "3|2", "5|3");
    List<String> reasons = deadLetters();
    assertThat(reasons).hasSize(2);
    assertThat(reasons.get(0))
        .startsWith("3 PostgreSQL refused the value at COPY (column n)")
        .contains("22003");
    assertThat(reasons.get(1)).startsWith("5 PostgreSQL refused the value at COPY (column n)");
    assertThat(TestDatabase.rows("select raw from keel.dead_letter order by position").get(0))
        .startsWith("2,1");
  }

  @Test
  void refusals_at_copy_count_towards_max_rejected() throws IOException {
    Cli cli =
        run(
            "id,n\n1,1.5\n2,1e200000\n3,2\n4,1e300000\n",
            "t.csv",
            """
        name: t
        source: { csv: { path: t.csv, header: true } }
        columns: { id: bigint, n: numeric }
        validate: { max_rejected: 1 }
        sink: { postgres: { key: [id] } }
        """);

    assertThat(cli.exit()).as(cli.toString()).isEqualTo(1);
    assertThat(TestDatabase.count("select count(*) from t")).isZero();
  }

  @Test
  void bad_json_lines_are_dead_letters_with_their_line_numbers_and_the_rest_is_published()
      throws IOException {
    String data =
        "{\"id\": 1, \"name\": \"a\"}\n"
            + "{\"id\": 2, \"n\": "
            + "9".repeat(1001)
            + "}\n"
            + "{\"id\": 3, \"x\": "
            + "[".repeat(1001)
            + "]".repeat(1001)
            + "}\n"
            + "{\"id\": 4, \"n\": 1e-2147483648}\n"
            + "{\"id\": 5, \"name\": \"\\ud800\"}\n"
            + "{\"id\": 6, \"d\": 1e-400}\n"
            + "{\"id\": 7, \"name\": \"\uFFFD\"}\n";
    Cli cli =
        run(
            data,
            "t.jsonl",
            """
        name: t
        source: { jsonl: { path: t.jsonl } }
        columns: { id: bigint, name: text, n: numeric, d: double precision }
        validate: { max_rejected: 10 }
        sink: { postgres: { key: [id] } }
        """);

    assertThat(cli.exit()).as(cli.toString()).isZero();
    assertThat(TestDatabase.rows("select id || '|' || coalesce(name, '') from t order by id"))
        .containsExactly("1|a", "7|\uFFFD");
    List<String> reasons = deadLetters();
    assertThat(reasons).hasSize(5);
    assertThat(reasons.get(0)).startsWith("2 JSON over keel's limits").contains("1000");
    assertThat(reasons.get(1)).startsWith("3 JSON over keel's limits").contains("nesting");
    assertThat(reasons.get(2)).startsWith("4 a JSON number is out of range");
    assertThat(reasons.get(3)).startsWith("5 column name:").contains("lone UTF-16 surrogate");
    assertThat(reasons.get(4)).startsWith("6 column d:").contains("too small");
    assertThat(cli.out() + cli.err()).doesNotContain("NullPointerException");
  }

  @Test
  void columns_named_order_user_and_select_load_into_an_existing_table() throws IOException {
    TestDatabase.exec(
        "create table t (id bigint primary key, \"order\" text, \"user\" text, \"select\" integer)");
    Cli cli =
        run(
            "id,order,user,select\n1,o,u,7\n",
            "t.csv",
            """
        name: t
        source: { csv: { path: t.csv, header: true } }
        columns: { id: bigint, order: text, user: text, select: integer }
        sink: { postgres: { key: [id], mode: upsert } }
        """);

    assertThat(cli.exit()).as(cli.toString()).isZero();
    assertThat(
            TestDatabase.rows(
                "select id || '|' || \"order\" || '|' || \"user\" || '|' || \"select\" from t"))
        .containsExactly("1|o|u|7");
  }
}
