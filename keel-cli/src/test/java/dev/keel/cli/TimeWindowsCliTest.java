package dev.keel.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keel.store.Database;
import dev.keel.store.MetadataStore;
import dev.keel.testkit.TestDatabase;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Time-partitioned pipelines from the command line: window variables reach file and JDBC sources, a
 * date × region cell is replaced alone, backfill and trigger take windows, status lists skipped
 * windows, and bad window settings are refused with line and column.
 */
class TimeWindowsCliTest {
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

  private void cell(String day, String region, String rows) throws IOException {
    Path f = dir.resolve("data/" + day + "/" + region + ".csv");
    Files.createDirectories(f.getParent());
    Files.writeString(f, "id,day,region,amount\n" + rows);
  }

  private static final String CELLS =
      """
      name: sales
      partitions:
        daily: { start: 2026-11-01, end: 2026-12-01 }
        values: [eu, us]
      source: { csv: { path: "data/${window}/${value}.csv" } }
      columns: { id: bigint, day: date, region: text, amount: "numeric(12,2)" }
      sink: { postgres: { mode: replace, partition_column: [day, region] } }
      """;

  @Test
  void a_date_by_region_cell_is_replaced_alone() throws IOException {
    cell("2026-11-27", "eu", "1,2026-11-27,eu,10\n2,2026-11-27,eu,20\n");
    cell("2026-11-27", "us", "3,2026-11-27,us,30\n");
    cell("2026-11-28", "eu", "4,2026-11-28,eu,40\n");
    cell("2026-11-28", "us", "5,2026-11-28,us,50\n");
    Path file = pipeline(CELLS);
    Cli all = Cli.runPipeline(file, "--partition", "2026-11-27", "--partition", "2026-11-28");
    assertThat(all.exit()).as(all.toString()).isZero();
    assertThat(TestDatabase.count("select count(*) from sales")).isEqualTo(5);

    cell("2026-11-27", "eu", "7,2026-11-27,eu,70\n");
    Cli one = Cli.runPipeline(file, "--partition", "2026-11-27/eu");
    assertThat(one.exit()).as(one.toString()).isZero();
    assertThat(TestDatabase.rows("select id, day, region from sales order by id"))
        .containsExactly(
            "3|2026-11-27|us", "4|2026-11-28|eu", "5|2026-11-28|us", "7|2026-11-27|eu");
  }

  @Test
  void a_jdbc_query_gets_the_window_bounds_as_timestamptz_in_its_zone() throws IOException {
    TestDatabase.exec(
        "create table clicks (id bigint, at timestamptz)",
        // One click every 30 minutes from 2026-10-24 20:00 UTC to 2026-10-26 02:00 UTC.
        "insert into clicks select g, timestamptz '2026-10-24 20:00+00' + g * interval '30 minutes'"
            + " from generate_series(0, 60) g");
    Path file =
        pipeline(
            """
            name: paris_clicks
            partitions: { daily: { start: 2026-10-01, timezone: Europe/Paris } }
            source: { jdbc: { url: "%s", query: "select id, at from clicks where at >= :window_start and at < :window_end" } }
            columns: { id: bigint, at: timestamptz }
            sink: { postgres: { key: [id] } }
            """
                .formatted(TestDatabase.url()));
    Cli cli = Cli.runPipeline(file, "--partition", "2026-10-25");
    assertThat(cli.exit()).as(cli.toString()).isZero();
    // 2026-10-25 in Paris: 2026-10-24 22:00 UTC to 2026-10-25 23:00 UTC, 25 hours.
    assertThat(TestDatabase.count("select count(*) from paris_clicks")).isEqualTo(50);
    assertThat(
            TestDatabase.rows(
                "select min(at) at time zone 'UTC', max(at) at time zone 'UTC' from paris_clicks"))
        .containsExactly("2026-10-24 22:00:00|2026-10-25 22:30:00");
  }

  @Test
  void backfill_and_trigger_take_windows_and_a_wrong_one_lists_the_nearest() throws IOException {
    Path file = pipeline(CELLS);
    String db = TestDatabase.url();
    Cli backfill =
        Cli.run(
            "backfill",
            "sales",
            "--from",
            "2026-11-03",
            "--to",
            "2026-11-05",
            "--pipelines",
            file.toString(),
            "--db",
            db);
    assertThat(backfill.exit()).as(backfill.toString()).isZero();
    assertThat(
            TestDatabase.rows(
                "select partition from keel.task where run_id = "
                    + backfill.out().trim()
                    + " order by partition"))
        .containsExactly(
            "2026-11-03/eu",
            "2026-11-03/us",
            "2026-11-04/eu",
            "2026-11-04/us",
            "2026-11-05/eu",
            "2026-11-05/us");

    Cli trigger =
        Cli.run(
            "trigger",
            "sales",
            "--partition",
            "2026-11-27",
            "--pipelines",
            file.toString(),
            "--db",
            db);
    assertThat(trigger.exit()).as(trigger.toString()).isZero();
    assertThat(
            TestDatabase.rows(
                "select partition from keel.task where run_id = "
                    + trigger.out().trim()
                    + " order by partition"))
        .containsExactly("2026-11-27/eu", "2026-11-27/us");

    Cli wrong =
        Cli.run(
            "trigger",
            "sales",
            "--partition",
            "2026-11-31",
            "--pipelines",
            file.toString(),
            "--db",
            db);
    assertThat(wrong.exit()).isEqualTo(2);
    assertThat(wrong.err())
        .contains("'2026-11-31' is not a window of sales", "daily windows from 2026-11-01")
        .contains("2026-11-28", "2026-11-29", "2026-11-30");

    Cli after =
        Cli.run(
            "trigger",
            "sales",
            "--partition",
            "2026-12-03/eu",
            "--pipelines",
            file.toString(),
            "--db",
            db);
    assertThat(after.exit()).isEqualTo(2);
    assertThat(after.err()).contains("2026-11-30").doesNotContain("2026-12-01,");

    Cli inverted =
        Cli.run(
            "backfill",
            "sales",
            "--from",
            "2026-11-05",
            "--to",
            "2026-11-03",
            "--pipelines",
            file.toString(),
            "--db",
            db);
    assertThat(inverted.exit()).isEqualTo(2);
    assertThat(inverted.err()).contains("--from 2026-11-05 is after --to 2026-11-03");

    Cli notWindow =
        Cli.run(
            "backfill",
            "sales",
            "--from",
            "2026-11",
            "--to",
            "2026-11-03",
            "--pipelines",
            file.toString(),
            "--db",
            db);
    assertThat(notWindow.exit()).isEqualTo(2);
    assertThat(notWindow.err()).contains("--from 2026-11 is not a window of sales");
  }

  @Test
  void status_shows_the_newest_loaded_window_and_the_skipped_ones() {
    try (MetadataStore store =
        MetadataStore.open(new Database(TestDatabase.url(), null, null, 2, "test"))) {
      store.windows().skip("sales", "2026-11-02", "2026-11-20", 19);
      store
          .windows()
          .save(
              new dev.keel.store.Windows.State(
                  "sales",
                  "2026-11-27",
                  java.time.Instant.parse("2026-11-28T00:00:00Z"),
                  "2026-11-28",
                  java.time.Instant.parse("2026-11-29T00:00:00Z")));
    }
    Cli status = Cli.run("status", "--db", TestDatabase.url());
    assertThat(status.exit()).as(status.toString()).isZero();
    assertThat(status.out())
        .contains("sales", "loaded 2026-11-27, closed 2026-11-28")
        .contains("2026-11-02 .. 2026-11-20 (19 windows");
    Cli json = Cli.run("status", "--json", "--db", TestDatabase.url());
    assertThat(json.out()).contains("\"skipped_windows\"", "\"newestLoaded\" : \"2026-11-27\"");
  }

  @Test
  void bad_window_settings_are_refused_with_line_and_column() throws IOException {
    String base =
        """
        name: w
        schedule: "0 * * * *"
        partitions:
          %s
        source: { csv: { path: "d/${partition}.csv" } }
        columns: { id: bigint }
        sink: { postgres: { key: [id] } }
        """;
    Cli after =
        Cli.run(
            "validate",
            pipeline(base.formatted("daily: { start: 2026-11-05, end: 2026-11-01 }")).toString());
    assertThat(after.exit()).isEqualTo(2);
    assertThat(after.err())
        .contains("p.yaml:4:")
        .contains("'end' (2026-11-01) is not after 'start'");

    Cli unit =
        Cli.run("validate", pipeline(base.formatted("yearly: { start: 2026-01-01 }")).toString());
    assertThat(unit.exit()).isEqualTo(2);
    assertThat(unit.err())
        .contains("p.yaml:4:3")
        .contains("unknown key 'yearly' in partitions", "hourly, daily, weekly or monthly");

    Cli lag =
        Cli.run(
            "validate",
            pipeline(base.formatted("hourly: { start: 2026-01-01, lag: 2h }")).toString());
    assertThat(lag.exit()).isEqualTo(2);
    assertThat(lag.err())
        .contains("p.yaml:4:")
        .contains("partitions.hourly.lag 2h is longer than a window (hourly: 1h)");

    Cli zone =
        Cli.run(
            "validate",
            pipeline(base.formatted("daily: { start: 2026-01-01, timezone: Mars/Olympus }"))
                .toString());
    assertThat(zone.exit()).isEqualTo(2);
    assertThat(zone.err()).contains("p.yaml:4:").contains("'Mars/Olympus' is not a time zone");

    Cli weekly =
        Cli.run("validate", pipeline(base.formatted("weekly: { start: 2026-11-25 }")).toString());
    assertThat(weekly.exit()).isEqualTo(2);
    assertThat(weekly.err())
        .contains("weekly windows start on Mondays (the Monday of that week is 2026-11-23)");

    Cli oneColumn =
        Cli.run(
            "validate",
            pipeline(CELLS.replace("partition_column: [day, region]", "partition_column: day"))
                .toString());
    assertThat(oneColumn.exit()).isEqualTo(2);
    assertThat(oneColumn.err()).contains("need two columns");
  }
}
