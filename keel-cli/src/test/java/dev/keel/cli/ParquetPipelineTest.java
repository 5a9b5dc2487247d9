package dev.keel.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keel.testkit.TestDatabase;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * keel run and keel validate with a {@code parquet} source (keel-parquet, found by ServiceLoader on
 * keel's class path, without Hadoop: the tests run without it): files loaded exactly, a bad value
 * dead-lettered as "row N", a misspelled key or a file that does not fit exit 2 before anything
 * runs, a file missing at run time exit 1 naming it.
 */
class ParquetPipelineTest {
  @TempDir Path dir;

  private static final String ORDERS =
      "message orders { required int64 id; optional int64 amount (DECIMAL(12,4));"
          + " optional int64 ts (TIMESTAMP(MICROS,true)); optional binary customer (STRING); }";

  private static final String PIPELINE =
      """
      name: porders
      partitions: { values: [eu, us] }
      source: { parquet: { path: "orders-${partition}.parquet" } }
      columns: { id: bigint, amount: "numeric(12,2)", ts: timestamptz, customer: text }
      validate: { max_rejected: 5 }
      sink: { postgres: { key: [id] } }
      """;

  @BeforeEach
  void emptyDatabase() {
    TestDatabase.reset();
  }

  private void write(String name, long firstId, int rows, long badAmountAt) throws IOException {
    LocalDateTime t0 = LocalDateTime.of(2026, 11, 29, 12, 0);
    ParquetTestFiles.write(
        dir.resolve(name),
        ORDERS,
        128L * 1024 * 1024,
        rows,
        (g, i) -> {
          long id = firstId + i;
          long micros = t0.plusSeconds(i).toEpochSecond(ZoneOffset.UTC) * 1_000_000 + 250_000;
          g.append("id", id)
              .append("amount", id == badAmountAt ? 10_001L : id * 100)
              .append("ts", micros)
              .append("customer", "c" + id);
        });
  }

  private Path pipeline(String yaml) throws IOException {
    Path file = dir.resolve("p.yaml");
    Files.writeString(file, yaml);
    return file;
  }

  @Test
  void parquet_partitions_are_loaded_exactly_and_a_bad_value_is_dead_lettered_by_row()
      throws IOException {
    write("orders-eu.parquet", 1, 100, 42);
    write("orders-us.parquet", 1001, 50, -1);

    Cli run = Cli.runPipeline(pipeline(PIPELINE));

    assertThat(run.exit()).as(run.toString()).isZero();
    assertThat(TestDatabase.count("select count(*) from porders")).isEqualTo(149);
    assertThat(
            TestDatabase.rows(
                "select id || '|' || amount || '|' || to_char(ts at time zone 'UTC',"
                    + " 'YYYY-MM-DD HH24:MI:SS.US') || '|' || customer from porders"
                    + " where id in (1, 43, 1050) order by id"))
        .containsExactly(
            "1|0.01|2026-11-29 12:00:00.250000|c1",
            "43|0.43|2026-11-29 12:00:42.250000|c43",
            "1050|10.50|2026-11-29 12:00:49.250000|c1050");
    assertThat(TestDatabase.rows("select position || ' ' || reason from keel.dead_letter"))
        .containsExactly("42 column amount: '1.0001' has 4 decimal places, numeric(12,2) allows 2");
  }

  @Test
  void validate_knows_the_parquet_keys_and_refuses_a_misspelled_one_with_exit_2()
      throws IOException {
    Path file =
        pipeline(PIPELINE.replace("path: \"orders", "max_row_group_bytes: 1048576, pth: \"orders"));

    Cli cli = Cli.run("validate", file.toString());

    assertThat(cli.exit()).as(cli.toString()).isEqualTo(2);
    assertThat(cli.err())
        .contains("p.yaml:3:")
        .contains("unknown key 'pth'")
        .contains("did you mean 'path'");
  }

  @Test
  void a_file_without_a_declared_column_is_exit_2_before_anything_runs() throws IOException {
    write("orders-eu.parquet", 1, 10, -1);
    write("orders-us.parquet", 11, 10, -1);
    Path file = pipeline(PIPELINE.replace("customer: text }", "customer: text, vip: boolean }"));

    Cli validate = Cli.run("validate", file.toString());
    Cli run = Cli.runPipeline(file);

    for (Cli cli : new Cli[] {validate, run}) {
      assertThat(cli.exit()).as(cli.toString()).isEqualTo(2);
      assertThat(cli.err())
          .contains(
              dir.resolve("orders-eu.parquet")
                  + ": has no column 'vip' (it has id, amount,"
                  + " ts, customer)")
          .contains("(nothing was run)");
    }
    assertThat(
            TestDatabase.count(
                "SELECT count(*) FROM information_schema.tables WHERE table_name = 'porders'"))
        .as("nothing was run: no target table")
        .isZero();
  }

  @Test
  void a_file_that_is_not_parquet_is_exit_2_and_one_that_appears_later_fails_its_partition()
      throws IOException {
    Files.writeString(dir.resolve("orders-us.parquet"), "id,amount\n1,2\n");
    Path file = pipeline(PIPELINE);

    Cli bad = Cli.runPipeline(file);

    assertThat(bad.exit()).as(bad.toString()).isEqualTo(2);
    assertThat(bad.err())
        .contains(dir.resolve("orders-us.parquet") + ": not a readable Parquet file");

    // orders-eu.parquet does not exist: left to the run, which fails that partition (exit 1)
    write("orders-us.parquet", 1, 10, -1);
    Cli run = Cli.runPipeline(file);

    assertThat(run.exit()).as(run.toString()).isEqualTo(1);
    assertThat(run.out() + run.err())
        .contains(dir.resolve("orders-eu.parquet") + ": file not found");
    assertThat(TestDatabase.count("select count(*) from porders")).isEqualTo(10);
    assertThat(
            TestDatabase.count(
                "SELECT count(*) FROM keel.task_attempt a JOIN keel.task t ON t.id = a.task_id"
                    + " WHERE t.partition = 'eu'"))
        .as("a missing file is permanent: one attempt, no retries")
        .isEqualTo(1);
  }
}
