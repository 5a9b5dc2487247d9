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
 * keel deadletters lists what a run rejected; keel replay re-runs just those records after a fix,
 * once.
 */
class ReplayTest {
  @TempDir Path dir;

  private Path file;

  @BeforeEach
  void setUp() throws IOException {
    TestDatabase.reset();
    Files.writeString(
        dir.resolve("in.csv"),
        """
        id,amount,day
        1,10.00,2026-01-01
        2,12.5O,2026-01-02
        3,30.00,01/03/2026
        4,40.00,2026-01-04
        4,41.00,2026-01-05
        """);
    file = dir.resolve("p.yaml");
    Files.writeString(file, pipeline("text"));
  }

  private static String pipeline(String dayType) {
    return """
        name: fixes
        source: { csv: { path: in.csv } }
        columns: { id: bigint, amount: "numeric(10,2)", day: %s }
        validate: { max_rejected: 10 }
        sink: { postgres: { key: [id], table: fixes } }
        """
        .formatted(dayType);
  }

  @Test
  void deadletters_lists_the_rejected_records_with_position_and_reason() {
    Cli.runPipeline(file);

    Cli list = Cli.run("deadletters", "fixes", "--db", TestDatabase.url());

    assertThat(list.exit()).isZero();
    assertThat(list.out())
        .contains("run 1 of fixes: 2 rejected records")
        .contains("3  column amount: '12.5O' is not a number")
        .contains("6  duplicate key (id)=(4)");
  }

  @Test
  void replay_publishes_only_the_rejected_records_once_after_the_data_is_fixed()
      throws IOException {
    Cli first = Cli.runPipeline(file);
    assertThat(first.exit()).as(first.toString()).isZero();
    assertThat(TestDatabase.count("select count(*) from fixes")).isEqualTo(3);
    // The fix: the bad amount is corrected in the file; the good rows change too, to show that a
    // replay touches only the rejected positions.
    Files.writeString(
        dir.resolve("in.csv"),
        Files.readString(dir.resolve("in.csv"))
            .replace("12.5O", "12.50")
            .replace("10.00", "99.00"));

    Cli replay = Cli.run("replay", "fixes", "--partition", "all", "--db", TestDatabase.url());

    assertThat(replay.exit()).as(replay.toString()).isZero();
    assertThat(replay.out()).contains("replaying 1 rejected record of run 1");
    assertThat(TestDatabase.rows("select id, amount, day from fixes order by id"))
        .containsExactly(
            "1|10.00|2026-01-01", "2|12.50|2026-01-02", "3|30.00|01/03/2026", "4|40.00|2026-01-04");

    Cli again =
        Cli.run("replay", "fixes", "--partition", "all", "--run", "1", "--db", TestDatabase.url());

    assertThat(again.exit()).isZero();
    assertThat(again.out()).contains("were replayed already; nothing published again");
    assertThat(TestDatabase.count("select count(*) from keel_sink.load")).isEqualTo(2);
  }

  @Test
  void
      replay_through_a_fixed_pipeline_publishes_what_the_old_one_rejected_and_rejects_the_rest_again()
          throws IOException {
    Files.writeString(file, pipeline("date"));
    Cli.runPipeline(file);
    assertThat(TestDatabase.rows("select position from keel.dead_letter order by position"))
        .containsExactly("3", "4", "6");
    // The fix: the day column is text after all (the source writes US dates), in the table and the
    // pipeline.
    TestDatabase.exec("alter table fixes alter column day type text");
    Files.writeString(file, pipeline("text"));

    Cli replay =
        Cli.run(
            "replay",
            "fixes",
            "--partition",
            "all",
            "--pipelines",
            file.toString(),
            "--db",
            TestDatabase.url());

    assertThat(replay.exit()).as(replay.toString()).isZero();
    assertThat(replay.out()).contains("replaying 2 rejected records of run 1");
    assertThat(TestDatabase.rows("select id, day from fixes order by id"))
        .containsExactly("1|2026-01-01", "3|01/03/2026", "4|2026-01-04");
    assertThat(TestDatabase.rows("select reason from keel.dead_letter where run_id = 2"))
        .containsExactly("column amount: '12.5O' is not a number");
  }
}
