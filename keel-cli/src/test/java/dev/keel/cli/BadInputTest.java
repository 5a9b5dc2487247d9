package dev.keel.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keel.testkit.TestDatabase;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Bad input of every kind ends with a clear message and the right exit code (2 for a bad pipeline
 * or argument, 1 for a failed partition), and the target exactly as before or fully published.
 */
class BadInputTest {
  @TempDir Path dir;

  @BeforeEach
  void emptyDatabase() {
    TestDatabase.reset();
  }

  private Path pipeline(String yaml) throws IOException {
    Path file = dir.resolve("p.yaml");
    Files.writeString(file, yaml);
    return file;
  }

  private static final String GOOD =
      """
      name: items
      source: { csv: { path: items.csv } }
      columns: { id: bigint, name: text }
      sink: { postgres: { key: [id] } }
      """;

  @Test
  void malformed_yaml_is_reported_with_line_and_column_and_exit_2() throws IOException {
    Path file = pipeline("name: items\nsource: { csv: { path: items.csv }\ncolumns: [\n");

    Cli cli = Cli.runPipeline(file);

    assertThat(cli.exit()).isEqualTo(2);
    assertThat(cli.err()).contains("p.yaml:3:").contains("YAML syntax error");
  }

  @Test
  void validate_lists_every_problem_at_once() throws IOException {
    Path file =
        pipeline(
            """
        name: items
        source: { csv: { path: items.csv, heder: true } }
        columns: { id: bigint, name: txt }
        transform: [ { filter: "nme != ''" } ]
        sink: { postgres: { key: [id], mode: upsrt } }
        """);

    Cli cli = Cli.run("validate", file.toString());

    assertThat(cli.exit()).isEqualTo(2);
    assertThat(cli.err().lines().toList()).hasSize(4);
    assertThat(cli.err())
        .contains("p.yaml:2:", "unknown key 'heder'", "did you mean 'header'")
        .contains("p.yaml:3:", "unknown type 'txt'")
        .contains("p.yaml:5:", "upsert, append or replace");
  }

  @Test
  void unknown_column_in_an_expression_is_exit_2_and_names_the_column() throws IOException {
    Files.writeString(dir.resolve("items.csv"), "id,name\n1,a\n");
    Path file = pipeline(GOOD.replace("sink:", "transform: [ { filter: \"price > 0\" } ]\nsink:"));

    Cli cli = Cli.runPipeline(file);

    assertThat(cli.exit()).isEqualTo(2);
    assertThat(cli.err()).contains("p.yaml:4:").contains("unknown column 'price'");
  }

  @Test
  void a_partition_that_does_not_exist_is_exit_2() throws IOException {
    Path file = pipeline(GOOD);

    Cli cli = Cli.runPipeline(file, "--partition", "mars");

    assertThat(cli.exit()).isEqualTo(2);
    assertThat(cli.err()).contains("partition 'mars' is not one of items's partitions (all)");
  }

  @Test
  void a_missing_source_file_fails_the_partition_naming_the_file() throws IOException {
    Path file = pipeline(GOOD);

    Cli cli = Cli.runPipeline(file);

    assertThat(cli.exit()).isEqualTo(1);
    assertThat(cli.out()).contains("failed").contains("items.csv");
    assertThat(TestDatabase.count("select count(*) from items")).isZero();
  }

  @Test
  void rows_with_the_wrong_field_count_invalid_utf8_or_nul_are_dead_lettered_not_padded()
      throws IOException {
    byte[] content =
        ("id,name\n1,ok\n2,too,many\n3\n4,caf" + "\u0000" + "e\n").getBytes(StandardCharsets.UTF_8);
    byte[] bad = {'5', ',', 'b', (byte) 0xE9, 'd', '\n'};
    byte[] all = new byte[content.length + bad.length];
    System.arraycopy(content, 0, all, 0, content.length);
    System.arraycopy(bad, 0, all, content.length, bad.length);
    Files.write(dir.resolve("items.csv"), all);
    Path file = pipeline(GOOD.replace("sink:", "validate: { max_rejected: 10 }\nsink:"));

    Cli cli = Cli.runPipeline(file);

    assertThat(cli.exit()).as(cli.toString()).isZero();
    assertThat(TestDatabase.rows("select * from items")).containsExactly("1|ok");
    List<String> reasons =
        TestDatabase.rows(
            "select position || ' ' || reason from keel.dead_letter order by position");
    assertThat(reasons).hasSize(4);
    assertThat(reasons.get(0)).startsWith("3 expected 2 fields, found 3");
    assertThat(reasons.get(1)).startsWith("4 expected 2 fields, found 1");
    assertThat(reasons.get(2)).startsWith("5 ").containsIgnoringCase("NUL");
    assertThat(reasons.get(3)).startsWith("6 ").contains("encoding");
  }

  @Test
  void a_10_mb_field_fails_the_partition_with_the_cap_in_the_message() throws IOException {
    Files.writeString(
        dir.resolve("items.csv"), "id,name\n1,\"" + "x".repeat(10 * 1024 * 1024) + "\"\n");
    Path file = pipeline(GOOD);

    Cli cli = Cli.runPipeline(file);

    assertThat(cli.exit()).isEqualTo(1);
    assertThat(cli.out()).contains("line 2").contains("8 MiB").contains("max_record_bytes");
  }

  @Test
  void an_existing_table_of_the_wrong_shape_is_refused_and_left_alone() throws IOException {
    TestDatabase.exec(
        "create table items (id integer primary key, name integer)",
        "insert into items values (7, 7)");
    Files.writeString(dir.resolve("items.csv"), "id,name\n1,a\n");
    Path file = pipeline(GOOD);

    Cli cli = Cli.runPipeline(file);

    assertThat(cli.exit()).isEqualTo(1);
    assertThat(cli.err())
        .contains("target table public.items does not fit the pipeline")
        .contains("column id is integer but the pipeline declares bigint")
        .contains("column name is integer but the pipeline declares text");
    assertThat(TestDatabase.rows("select * from items")).containsExactly("7|7");
  }

  @Test
  void a_database_that_refuses_the_connection_fails_fast_with_a_clear_message() throws IOException {
    Path file = pipeline(GOOD);

    Cli cli = Cli.run("run", file.toString(), "--db", "jdbc:postgresql://127.0.0.1:1/nowhere");

    assertThat(cli.exit()).isEqualTo(1);
    assertThat(cli.err()).contains("127.0.0.1:1").containsIgnoringCase("refused");
  }

  @Test
  void a_secret_from_a_file_never_appears_in_output_or_metadata() throws IOException {
    Path secret = dir.resolve("pw");
    Files.writeString(secret, "s3cr3t-Value-42\n");
    Path file =
        pipeline(
            """
        name: items
        source: { jdbc: { url: "jdbc:postgresql://127.0.0.1:1/shop", user: app, password: "${file:%s}", query: "select 1 as id" } }
        columns: { id: bigint }
        sink: { postgres: { key: [id] } }
        """
                .formatted(secret));

    Cli cli = Cli.runPipeline(file);

    assertThat(cli.exit()).isEqualTo(1);
    assertThat(cli.out() + cli.err()).doesNotContain("s3cr3t-Value-42");
    assertThat(TestDatabase.rows("select spec from keel.pipeline_version"))
        .singleElement()
        .asString()
        .contains("${file:")
        .doesNotContain("s3cr3t-Value-42");
    assertThat(TestDatabase.rows("select coalesce(string_agg(error, ' '), '') from keel.task"))
        .singleElement()
        .asString()
        .doesNotContain("s3cr3t-Value-42");
  }

  @Test
  void
      a_check_constraint_broken_by_one_row_of_many_dead_letters_that_row_with_the_constraint_and_publishes_the_others()
          throws IOException {
    TestDatabase.exec(
        "create table items (id bigint primary key, name text check (name <> 'forbidden'))",
        "insert into items values (0, 'kept')");
    checkConstraintFile();
    Path file = pipeline(GOOD.replace("sink:", "validate: { max_rejected: 10 }\nsink:"));

    Cli cli = Cli.runPipeline(file);

    assertThat(cli.exit()).as(cli.toString()).isZero();
    assertThat(cli.out())
        .containsPattern("all +succeeded +1 +5000 +0 +1 +4999")
        .contains("keel deadletters items");
    assertThat(TestDatabase.count("select count(*) from items")).isEqualTo(5000);
    assertThat(TestDatabase.count("select count(*) from items where name = 'forbidden'")).isZero();
    assertThat(TestDatabase.rows("select * from items where id in (0, 4320, 4322) order by id"))
        .containsExactly("0|kept", "4320|n4320", "4322|n4322");
    // CSV positions are file lines: the header is line 1, record 4321 is on line 4322.
    assertThat(TestDatabase.rows("select position, raw, reason from keel.dead_letter"))
        .singleElement()
        .asString()
        .startsWith(
            "4322|4321,forbidden|constraint items_name_check of public.items: new row for relation \"items\""
                + " violates check constraint \"items_name_check\"");
    Cli deadLetters = Cli.run("deadletters", "items", "--db", TestDatabase.url());
    assertThat(deadLetters.out())
        .contains("run 1 of items: 1 rejected record")
        .contains("4322  constraint items_name_check of public.items")
        .contains("| 4321,forbidden");
  }

  @Test
  void
      a_check_constraint_broken_by_more_rows_than_max_rejected_fails_the_partition_and_publishes_nothing()
          throws IOException {
    TestDatabase.exec(
        "create table items (id bigint primary key, name text check (name <> 'forbidden'))",
        "insert into items values (7, 'kept')");
    checkConstraintFile();
    Path file = pipeline(GOOD.replace("sink:", "retry: { attempts: 3, backoff: 10ms }\nsink:"));

    Cli cli = Cli.runPipeline(file);

    assertThat(cli.exit()).isEqualTo(1);
    assertThat(cli.out())
        .contains("1 of 5000 records rejected", "over max_rejected 0", "nothing was published");
    assertThat(TestDatabase.rows("select * from items")).containsExactly("7|kept");
    assertThat(TestDatabase.rows("select state, attempt from keel.task"))
        .containsExactly("failed|1");
    assertThat(TestDatabase.rows("select position || ' ' || reason from keel.dead_letter"))
        .singleElement()
        .asString()
        .startsWith("4322 constraint items_name_check of public.items");
  }

  /** 5,000 rows; the one with id 4321 is named 'forbidden'. */
  private void checkConstraintFile() throws IOException {
    StringBuilder csv = new StringBuilder("id,name\n");
    for (int i = 1; i <= 5000; i++) {
      csv.append(i).append(',').append(i == 4321 ? "forbidden" : "n" + i).append('\n');
    }
    Files.writeString(dir.resolve("items.csv"), csv);
  }
}
