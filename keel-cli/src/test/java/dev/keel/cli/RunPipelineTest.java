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
 * keel run end to end on a real PostgreSQL: each publish mode, transforms, validation, dead
 * letters.
 */
class RunPipelineTest {
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

  private void csv(String name, String... lines) throws IOException {
    Files.writeString(dir.resolve(name), String.join("\n", lines) + "\n");
  }

  private static final String HEADER = "id,customer,amount";

  private static String spec(String mode, String extra) {
    return """
        name: sales
        partitions: { values: [a, b] }
        source: { csv: { path: "sales-${partition}.csv" } }
        columns: { id: bigint, customer: text, amount: "numeric(10,2)", part: text }
        %s
        sink: { postgres: { table: sales, key: [id], mode: %s, partition_column: part } }
        """
        .formatted(extra, mode);
  }

  private void salesFiles() throws IOException {
    csv("sales-a.csv", "id,customer,amount,part", "1,ann,10.50,a", "2,bob,20.00,a");
    csv("sales-b.csv", "id,customer,amount,part", "3,cy,30.25,b");
  }

  @Test
  void quickstart_publishes_valid_rows_and_dead_letters_each_bad_one_with_line_and_reason() {
    Cli cli =
        Cli.runPipeline(Path.of("../examples/quickstart/orders.yaml").toAbsolutePath().normalize());

    assertThat(cli.exit()).as(cli.toString()).isZero();
    assertThat(cli.out()).contains("eu", "succeeded", "keel.dead_letter");
    assertThat(TestDatabase.count("select count(*) from orders")).isEqualTo(2970);
    assertThat(TestDatabase.count("select count(*) from orders where amount <= 0")).isZero();
    assertThat(TestDatabase.count("select count(*) from orders where customer <> upper(customer)"))
        .isZero();
    assertThat(
            TestDatabase.rows(
                "select position, reason from keel.dead_letter where partition = 'eu' order by position"))
        .hasSize(6)
        .satisfiesExactly(
            r -> assertThat(r).startsWith("19|column amount: '12,5O' is not a number"),
            r -> assertThat(r).startsWith("103|column ts: '2026-02-30T10:00:00Z'"),
            r -> assertThat(r).isEqualTo("252|expected 5 fields, found 4"),
            r -> assertThat(r).isEqualTo("335|not_null: column customer is null"),
            r ->
                assertThat(r)
                    .startsWith("482|duplicate key (id)=(1000479): the record at position 481"),
            r -> assertThat(r).startsWith("779|column amount: '10.125' has 3 decimal places"));
  }

  @Test
  void upsert_run_twice_leaves_the_same_target() throws IOException {
    salesFiles();
    Path file = pipeline(spec("upsert", ""));
    assertThat(Cli.runPipeline(file).exit()).isZero();
    List<String> first = TestDatabase.rows("select * from sales order by id");

    Cli again = Cli.runPipeline(file);

    assertThat(again.exit()).as(again.toString()).isZero();
    assertThat(TestDatabase.rows("select * from sales order by id"))
        .isEqualTo(first)
        .containsExactly("1|ann|10.50|a", "2|bob|20.00|a", "3|cy|30.25|b");
  }

  @Test
  void upsert_updates_changed_rows_and_keeps_others() throws IOException {
    salesFiles();
    Path file = pipeline(spec("upsert", ""));
    Cli.runPipeline(file);
    csv("sales-a.csv", "id,customer,amount,part", "1,ann,11.00,a", "4,dee,40.00,a");

    assertThat(Cli.runPipeline(file, "--partition", "a").exit()).isZero();

    assertThat(TestDatabase.rows("select * from sales order by id"))
        .containsExactly("1|ann|11.00|a", "2|bob|20.00|a", "3|cy|30.25|b", "4|dee|40.00|a");
  }

  @Test
  void replace_swaps_only_the_partitions_rows() throws IOException {
    salesFiles();
    Path file = pipeline(spec("replace", ""));
    Cli.runPipeline(file);
    csv("sales-a.csv", "id,customer,amount,part", "5,eve,50.00,a");

    assertThat(Cli.runPipeline(file, "--partition", "a").exit()).isZero();

    assertThat(TestDatabase.rows("select id, part from sales order by id"))
        .containsExactly("3|b", "5|a");
  }

  @Test
  void append_adds_the_rows_once_per_run() throws IOException {
    salesFiles();
    Path file = pipeline(spec("append", "").replace("key: [id], ", ""));

    Cli.runPipeline(file);
    assertThat(TestDatabase.count("select count(*) from sales")).isEqualTo(3);
    Cli.runPipeline(file);

    assertThat(TestDatabase.count("select count(*) from sales")).isEqualTo(6);
    assertThat(
            TestDatabase.count("select count(*) from keel_sink.load where target = 'public.sales'"))
        .isEqualTo(4);
  }

  @Test
  void over_max_rejected_fails_the_partition_and_leaves_the_target_as_it_was() throws IOException {
    salesFiles();
    Path file = pipeline(spec("upsert", "validate: { max_rejected: 0 }"));
    Cli.runPipeline(file);
    List<String> before = TestDatabase.rows("select * from sales order by id");
    csv("sales-a.csv", "id,customer,amount,part", "1,changed,99.00,a", "2,bob,not-a-number,a");

    Cli cli = Cli.runPipeline(file, "--partition", "a");

    assertThat(cli.exit()).isEqualTo(1);
    assertThat(cli.out())
        .contains(
            "failed", "1 of 2 records rejected", "over max_rejected 0", "nothing was published");
    assertThat(TestDatabase.rows("select * from sales order by id")).isEqualTo(before);
    assertThat(
            TestDatabase.rows(
                "select position, reason from keel.dead_letter where partition = 'a'"))
        .containsExactly("3|column amount: 'not-a-number' is not a number");
  }

  @Test
  void percentage_limit_allows_a_few_rejects_and_publishes_the_rest() throws IOException {
    StringBuilder lines = new StringBuilder("id,customer,amount,part\n");
    for (int i = 1; i <= 200; i++) {
      lines
          .append(i)
          .append(",c")
          .append(i)
          .append(',')
          .append(i == 7 ? "x" : "1.00")
          .append(",a\n");
    }
    Files.writeString(dir.resolve("sales-a.csv"), lines);
    Path file = pipeline(spec("upsert", "validate: { max_rejected: \"1%\" }"));

    Cli cli = Cli.runPipeline(file, "--partition", "a");

    assertThat(cli.exit()).as(cli.toString()).isZero();
    assertThat(TestDatabase.count("select count(*) from sales")).isEqualTo(199);
  }

  @Test
  void filter_set_and_check_apply_in_order() throws IOException {
    csv(
        "sales-a.csv",
        "id,customer,amount,part",
        "1,ann,10.00,a",
        "2,bob,-1.00,a",
        "3,cy,5000.00,a");
    csv("sales-b.csv", "id,customer,amount,part");
    Path file =
        pipeline(
            spec(
                "upsert",
                """
        transform:
          - filter: "amount > 0"
          - set: { customer: "upper(customer)", amount: "amount * 2.0" }
        validate: { check: { small: "amount < 1000.0" }, max_rejected: 5 }"""));

    Cli cli = Cli.runPipeline(file);

    assertThat(cli.exit()).as(cli.toString()).isZero();
    assertThat(TestDatabase.rows("select id, customer, amount from sales"))
        .containsExactly("1|ANN|20.00");
    assertThat(TestDatabase.rows("select position, reason from keel.dead_letter"))
        .containsExactly("4|check small failed: amount < 1000.0");
    assertThat(
            TestDatabase.rows(
                "select rows_read, rows_filtered, rows_rejected, rows_published from keel.task where partition = 'a'"))
        .containsExactly("3|1|1|1");
  }

  @Test
  void jsonl_source_loads_objects_and_rejects_bad_lines() throws IOException {
    Files.writeString(
        dir.resolve("events.jsonl"),
        """
        {"id": 1, "kind": "click", "at": "2026-01-01T10:00:00Z"}
        {"id": 2, "kind": {"nested": true}, "at": "2026-01-01T10:00:00Z"}
        not json
        {"id": 3, "kind": "view", "at": "2026-01-01T11:00:00+02:00"}
        """);
    Path file =
        pipeline(
            """
        name: events
        source: { jsonl: { path: events.jsonl } }
        columns: { id: bigint, kind: text, at: timestamptz }
        validate: { max_rejected: 2 }
        sink: { postgres: { key: [id] } }
        """);

    Cli cli = Cli.runPipeline(file);

    assertThat(cli.exit()).as(cli.toString()).isZero();
    assertThat(TestDatabase.rows("select id, kind, at at time zone 'UTC' from events order by id"))
        .containsExactly("1|click|2026-01-01 10:00:00", "3|view|2026-01-01 09:00:00");
    assertThat(TestDatabase.rows("select position from keel.dead_letter order by position"))
        .containsExactly("2", "3");
  }

  @Test
  void jdbc_source_reads_its_partition_with_a_bound_parameter() throws IOException {
    TestDatabase.exec(
        "create table src (id bigint, region text, v numeric)",
        "insert into src select g, case when g % 2 = 0 then 'eu' else 'us' end, g * 1.5 from generate_series(1, 1000) g");
    Path file =
        pipeline(
            """
        name: copy_src
        partitions: { values: [eu, us] }
        source: { jdbc: { url: "%s", query: "select id, region, v from src where region = :partition" } }
        columns: { id: bigint, region: text, v: "numeric(12,2)" }
        sink: { postgres: { key: [id] } }
        """
                .formatted(TestDatabase.url()));

    Cli cli = Cli.runPipeline(file);

    assertThat(cli.exit()).as(cli.toString()).isZero();
    assertThat(
            TestDatabase.rows(
                "select region, count(*), sum(v) from copy_src group by region order by region"))
        .containsExactly("eu|500|375750.00", "us|500|375000.00");
  }

  @Test
  void a_sink_in_another_database_gets_the_rows_and_its_own_fence_and_load_tables()
      throws IOException {
    TestDatabase.exec("drop database if exists warehouse", "create database warehouse");
    salesFiles();
    String warehouse = TestDatabase.url().replace("/postgres?", "/warehouse?");
    Path file =
        pipeline(
            spec("upsert", "")
                .replace(
                    "partition_column: part }",
                    "partition_column: part, url: \"" + warehouse + "\" }"));

    Cli cli = Cli.runPipeline(file);

    assertThat(cli.exit()).as(cli.toString()).isZero();
    assertThat(TestDatabase.rows("select to_regclass('public.sales') is null"))
        .containsExactly("t");
    try (var c = java.sql.DriverManager.getConnection(warehouse);
        var st = c.createStatement();
        var rs =
            st.executeQuery(
                "select (select count(*) from sales), (select count(*) from keel_sink.load), (select count(*) from keel_sink.fence)")) {
      rs.next();
      assertThat(rs.getLong(1)).isEqualTo(3);
      assertThat(rs.getLong(2)).isEqualTo(2);
      assertThat(rs.getLong(3)).isEqualTo(2);
    } catch (java.sql.SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  @Test
  void status_json_lists_runs_with_their_tasks() throws IOException {
    salesFiles();
    Cli.runPipeline(pipeline(spec("upsert", "")));

    Cli status = Cli.run("status", "--json", "--db", TestDatabase.url());

    assertThat(status.exit()).isZero();
    var json = new com.fasterxml.jackson.databind.ObjectMapper().readTree(status.out());
    assertThat(json.get("runs").get(0).get("pipeline").asText()).isEqualTo("sales");
    assertThat(json.get("runs").get(0).get("state").asText()).isEqualTo("succeeded");
    assertThat(json.get("runs").get(0).get("tasks")).hasSize(2);
    assertThat(json.get("runs").get(0).get("tasks").get(0).get("rowsPublished").asLong())
        .isEqualTo(2);
  }
}
