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
 * keel pause, resume and retry: the REST API's rules, exit 0 when done and 2 when refused (nothing
 * changed).
 */
class PauseResumeRetryTest {
  @TempDir Path dir;

  @BeforeEach
  void runAPipelineWithAFailedPartition() throws IOException {
    TestDatabase.reset();
    Files.writeString(dir.resolve("in-a.csv"), "id\n1\n2\n");
    Files.writeString(
        dir.resolve("p.yaml"),
        """
        name: sales
        partitions: { values: [a, b] }
        source: { csv: { path: "in-${partition}.csv" } }
        columns: { id: bigint }
        sink: { postgres: { key: [id], table: sales } }
        retry: { attempts: 1 }
        """);
    assertThat(Cli.runPipeline(dir.resolve("p.yaml")).exit()).isEqualTo(1); // in-b.csv is missing
  }

  @Test
  void pause_and_resume_a_pipeline_and_refuse_an_unknown_one() {
    Cli pause = Cli.run("pause", "sales", "--db", TestDatabase.url());
    assertThat(pause.exit()).as(pause.toString()).isZero();
    assertThat(pause.out()).contains("sales paused");
    assertThat(
            TestDatabase.value(
                "SELECT paused_by FROM keel.pipeline_pause WHERE pipeline = 'sales'"))
        .isEqualTo("cli");
    assertThat(Cli.run("pause", "sales", "--db", TestDatabase.url()).exit()).isZero(); // idempotent

    Cli resume = Cli.run("resume", "sales", "--db", TestDatabase.url());
    assertThat(resume.exit()).as(resume.toString()).isZero();
    assertThat(TestDatabase.count("SELECT count(*) FROM keel.pipeline_pause")).isZero();

    Cli unknown = Cli.run("pause", "nope", "--db", TestDatabase.url());
    assertThat(unknown.exit()).isEqualTo(2);
    assertThat(unknown.err()).contains("keel pause: pipeline 'nope'", "does not exist");
  }

  @Test
  void retry_queues_a_failed_task_once_with_more_attempts() {
    String task = TestDatabase.value("SELECT id FROM keel.task WHERE partition = 'b'");

    Cli retry = Cli.run("retry", task, "--attempts", "3", "--db", TestDatabase.url());

    assertThat(retry.exit()).as(retry.toString()).isZero();
    assertThat(retry.out())
        .contains("task " + task + " (sales/b, run 1) queued again; at most 4 attempts in all");
    assertThat(
            TestDatabase.value(
                "SELECT state || ' ' || max_attempts FROM keel.task WHERE id = " + task))
        .isEqualTo("queued 4");
    Cli again = Cli.run("retry", task, "--db", TestDatabase.url());
    assertThat(again.exit()).isEqualTo(2);
    assertThat(again.err())
        .contains("task " + task + " is queued; only a failed task can be retried");
  }

  @Test
  void retry_refuses_an_unknown_task_a_succeeded_one_and_attempts_out_of_range() {
    String done = TestDatabase.value("SELECT id FROM keel.task WHERE partition = 'a'");
    String failed = TestDatabase.value("SELECT id FROM keel.task WHERE partition = 'b'");

    assertThat(Cli.run("retry", "999", "--db", TestDatabase.url()).err())
        .contains("task 999 does not exist");
    assertThat(Cli.run("retry", "999", "--db", TestDatabase.url()).exit()).isEqualTo(2);
    assertThat(Cli.run("retry", done, "--db", TestDatabase.url()).exit()).isEqualTo(2);
    Cli zero = Cli.run("retry", failed, "--attempts", "0", "--db", TestDatabase.url());
    assertThat(zero.exit()).isEqualTo(2);
    assertThat(zero.err()).contains("attempts must be an integer from 1 to 100");
    assertThat(Cli.run("retry", "abc", "--db", TestDatabase.url()).exit()).isEqualTo(2);
    assertThat(TestDatabase.value("SELECT state FROM keel.task WHERE id = " + failed))
        .isEqualTo("failed");
  }
}
