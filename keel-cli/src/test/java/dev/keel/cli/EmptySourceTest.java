package dev.keel.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keel.testkit.TestDatabase;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An empty source never empties a target by accident: in mode replace, a source that yields no
 * records is refused (exit 1, the target untouched, the rows it would have deleted counted) unless
 * the sink says allow_empty: true; a file with no header where one is declared is malformed.
 */
class EmptySourceTest {
  @TempDir Path dir;

  @BeforeEach
  void emptyDatabase() {
    TestDatabase.reset();
  }

  private static final String REPLACE =
      """
      name: items
      source: { csv: { path: items.csv } }
      columns: { id: bigint, name: text }
      retry: { attempts: 3, backoff: 10ms }
      sink: { postgres: { key: [id], mode: replace } }
      """;

  private Path pipeline(String yaml) throws IOException {
    Path file = dir.resolve("p.yaml");
    Files.writeString(file, yaml);
    return file;
  }

  /** Loads two rows, then empties items.csv to {@code content}. */
  private Path loadedThenEmptied(String yaml, String content) throws IOException {
    Files.writeString(dir.resolve("items.csv"), "id,name\n1,a\n2,b\n");
    Path file = pipeline(yaml);
    assertThat(Cli.runPipeline(file).exit()).isZero();
    Files.writeString(dir.resolve("items.csv"), content);
    return file;
  }

  @Test
  void
      a_zero_byte_csv_with_a_declared_header_fails_the_partition_once_naming_the_file_and_the_target_keeps_its_rows()
          throws IOException {
    Path file = loadedThenEmptied(REPLACE, "");

    Cli cli = Cli.runPipeline(file);

    assertThat(cli.exit()).as(cli.toString()).isEqualTo(1);
    assertThat(cli.out()).contains("items.csv: the file is empty, but header: true");
    assertThat(TestDatabase.rows("select * from items order by id")).containsExactly("1|a", "2|b");
    assertThat(TestDatabase.rows("select state, attempt from keel.task where run_id = 2"))
        .containsExactly("failed|1");
  }

  @Test
  void a_replace_whose_csv_has_only_its_header_is_refused_saying_how_many_rows_it_would_delete()
      throws IOException {
    Path file = loadedThenEmptied(REPLACE, "id,name\n");

    Cli cli = Cli.runPipeline(file);

    assertThat(cli.exit()).as(cli.toString()).isEqualTo(1);
    assertThat(cli.out())
        .contains(
            "the source yielded no records",
            "would delete the 2 rows",
            "public.items",
            "allow_empty: true");
    assertThat(TestDatabase.rows("select * from items order by id")).containsExactly("1|a", "2|b");
    assertThat(TestDatabase.rows("select state, attempt from keel.task where run_id = 2"))
        .containsExactly("failed|1");
  }

  @Test
  void a_replace_of_an_empty_source_with_allow_empty_empties_the_partition() throws IOException {
    Path file =
        loadedThenEmptied(
            REPLACE.replace("mode: replace", "mode: replace, allow_empty: true"), "id,name\n");

    Cli cli = Cli.runPipeline(file);

    assertThat(cli.exit()).as(cli.toString()).isZero();
    assertThat(TestDatabase.count("select count(*) from items")).isZero();
  }

  @Test
  void a_replace_of_an_empty_source_into_an_empty_target_deletes_nothing_and_succeeds()
      throws IOException {
    Files.writeString(dir.resolve("items.csv"), "id,name\n");

    Cli cli = Cli.runPipeline(pipeline(REPLACE));

    assertThat(cli.exit()).as(cli.toString()).isZero();
  }

  @Test
  void a_replace_counts_only_the_rows_of_its_own_partition_and_leaves_the_others()
      throws IOException {
    String yaml =
        """
        name: items
        partitions: { values: [eu, us] }
        source: { csv: { path: "items-${partition}.csv" } }
        columns: { id: bigint, region: text }
        sink: { postgres: { key: [id], mode: replace, partition_column: region } }
        """;
    Files.writeString(dir.resolve("items-eu.csv"), "id,region\n1,eu\n2,eu\n3,eu\n");
    Files.writeString(dir.resolve("items-us.csv"), "id,region\n4,us\n");
    Path file = pipeline(yaml);
    assertThat(Cli.runPipeline(file).exit()).isZero();
    Files.writeString(dir.resolve("items-us.csv"), "id,region\n");

    Cli cli = Cli.runPipeline(file);

    assertThat(cli.exit()).as(cli.toString()).isEqualTo(1);
    assertThat(cli.out()).contains("would delete the 1 rows of partition us");
    assertThat(TestDatabase.rows("select state from keel.task where run_id = 2 order by partition"))
        .containsExactly("succeeded", "failed");
    assertThat(TestDatabase.count("select count(*) from items")).isEqualTo(4);
  }

  @Test
  void a_replace_of_an_empty_json_lines_file_is_refused_too() throws IOException {
    Files.writeString(dir.resolve("items.jsonl"), "{\"id\": 1, \"name\": \"a\"}\n");
    Path file =
        pipeline(REPLACE.replace("csv: { path: items.csv }", "jsonl: { path: items.jsonl }"));
    assertThat(Cli.runPipeline(file).exit()).isZero();
    Files.writeString(dir.resolve("items.jsonl"), "");

    Cli cli = Cli.runPipeline(file);

    assertThat(cli.exit()).as(cli.toString()).isEqualTo(1);
    assertThat(cli.out()).contains("would delete the 1 rows");
    assertThat(TestDatabase.rows("select * from items")).containsExactly("1|a");
  }

  @Test
  void a_replace_whose_jdbc_query_returns_no_rows_is_refused_too() throws IOException {
    TestDatabase.exec("create table src (id bigint, name text)", "insert into src values (1, 'a')");
    Path file =
        pipeline(
            REPLACE.replace(
                "csv: { path: items.csv }",
                "jdbc: { url: \""
                    + TestDatabase.url()
                    + "\", query: \"select id, name from src\" }"));
    assertThat(Cli.runPipeline(file).exit()).isZero();
    TestDatabase.exec("delete from src");

    Cli cli = Cli.runPipeline(file);

    assertThat(cli.exit()).as(cli.toString()).isEqualTo(1);
    assertThat(cli.out()).contains("the source yielded no records", "would delete the 1 rows");
    assertThat(TestDatabase.rows("select * from items")).containsExactly("1|a");
  }

  @Test
  void a_replace_where_every_record_read_is_filtered_out_is_not_an_empty_source_and_publishes()
      throws IOException {
    Path file =
        loadedThenEmptied(
            REPLACE.replace("retry:", "transform: [ { filter: \"id > 100\" } ]\nretry:"),
            "id,name\n3,c\n");

    Cli cli = Cli.runPipeline(file);

    assertThat(cli.exit()).as(cli.toString()).isZero();
    assertThat(TestDatabase.count("select count(*) from items")).isZero();
  }

  @Test
  void allow_empty_that_is_not_a_boolean_or_not_in_replace_mode_is_reported_with_line_and_column()
      throws IOException {
    Path notBool = pipeline(REPLACE.replace("mode: replace", "mode: replace, allow_empty: maybe"));

    Cli cli = Cli.run("validate", notBool.toString());

    assertThat(cli.exit()).isEqualTo(2);
    assertThat(cli.err())
        .contains("p.yaml:5:")
        .contains("sink.postgres.allow_empty must be true or false, not 'maybe'");

    Path upsert = pipeline(REPLACE.replace("mode: replace", "mode: upsert, allow_empty: true"));

    Cli cli2 = Cli.run("validate", upsert.toString());

    assertThat(cli2.exit()).isEqualTo(2);
    assertThat(cli2.err())
        .contains("p.yaml:5:")
        .contains("allow_empty only applies with mode: replace");
  }
}
