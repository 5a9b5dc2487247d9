package dev.keel.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keel.engine.LocalRun;
import dev.keel.engine.SinkFactory;
import dev.keel.engine.TaskExecutor;
import dev.keel.runtime.Sink;
import dev.keel.runtime.TaskControl;
import dev.keel.spec.PipelineSpec;
import dev.keel.spec.SpecReader;
import dev.keel.store.ClaimedTask;
import dev.keel.store.Database;
import dev.keel.store.MetadataStore;
import dev.keel.testkit.S3Server;
import dev.keel.testkit.TestDatabase;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * commit: chunk publishes every chunk_rows rows with a checkpoint; a new attempt resumes after it.
 */
class ChunkedCommitTest {
  private static final int ROWS = 10_000;

  @TempDir Path dir;

  private MetadataStore store;
  private Sink sink;

  @AfterEach
  void tearDown() {
    if (sink != null) {
      sink.close();
    }
    if (store != null) {
      store.close();
    }
  }

  private PipelineSpec setUp(String format, String mode) throws IOException {
    return setUp(format, mode, false);
  }

  /** With {@code fromS3}, the data is an object in S3Mock, read through an s3:// path. */
  private PipelineSpec setUp(String format, String mode, boolean fromS3) throws IOException {
    TestDatabase.reset();
    StringBuilder data = new StringBuilder();
    if (format.equals("csv")) {
      data.append("id,name,amount\n");
      for (int i = 1; i <= ROWS; i++) {
        // every 97th row is bad, and some names hold a quoted newline: positions must stay exact
        data.append(i)
            .append(i % 500 == 0 ? ",\"multi\nline\"," : ",n" + i + ",")
            .append(i % 97 == 0 ? "bad" : i + ".50")
            .append('\n');
      }
    } else if (format.equals("parquet")) {
      // amount DECIMAL(12,3): x.500 fits numeric(12,2), every 97th row's x.505 does not
      ParquetTestFiles.write(
          dir.resolve("in.parquet"),
          "message m { required int64 id; optional binary name (STRING);"
              + " optional int64 amount (DECIMAL(12,3)); }",
          32 * 1024,
          ROWS,
          (g, i) ->
              g.append("id", i + 1L)
                  .append("name", "n" + (i + 1))
                  .append("amount", (i + 1) * 1000L + ((i + 1) % 97 == 0 ? 505 : 500)));
    } else {
      for (int i = 1; i <= ROWS; i++) {
        data.append("{\"id\": ")
            .append(i)
            .append(", \"name\": \"n")
            .append(i)
            .append("\", \"amount\": ")
            .append(i % 97 == 0 ? "\"bad\"" : i + ".50")
            .append("}\n");
      }
    }
    if (!format.equals("parquet")) {
      Files.writeString(dir.resolve("in." + format), data);
    }
    String path = "in." + format;
    if (fromS3) {
      S3Server s3 = S3Server.shared().useInThisJvm();
      s3.createBucket("chunked-src");
      s3.put("chunked-src", "in." + format, dir.resolve("in." + format));
      path = "\"s3://chunked-src/in." + format + "\"";
    }
    Path file = dir.resolve("chunked.yaml");
    Files.writeString(
        file,
        """
        name: chunked
        source: { %s: { path: %s } }
        columns: { id: bigint, name: text, amount: "numeric(12,2)" }
        validate: { max_rejected: "2%%" }
        sink: { postgres: { key: [id], mode: %s, commit: chunk, chunk_rows: 1000 } }
        """
            .formatted(format, path, mode)
            .replace("key: [id], mode: append", "mode: append"));
    PipelineSpec spec = new SpecReader().read(file);
    store = MetadataStore.open(new Database(TestDatabase.url(), null, null, 4, "test"));
    sink = SinkFactory.create(spec, store.db());
    sink.prepare();
    return spec;
  }

  private ClaimedTask claim(long runId) {
    List<ClaimedTask> claimed = store.tasks().claim("node-a", runId, 1, Duration.ofSeconds(30));
    assertThat(claimed).hasSize(1);
    return claimed.get(0);
  }

  /**
   * Stops the work at the n-th time it is asked, as a lost lease would (the process dies in
   * effect).
   */
  private static TaskControl stopAtCall(int n) {
    AtomicInteger calls = new AtomicInteger();
    return () -> calls.incrementAndGet() >= n ? "simulated crash" : null;
  }

  private void resumeAndCompare(String format, String mode) throws IOException {
    resumeAndCompare(format, mode, false);
  }

  private void resumeAndCompare(String format, String mode, boolean fromS3) throws IOException {
    PipelineSpec spec = setUp(format, mode, fromS3);
    long runId = LocalRun.builder(store).build().create(spec, List.of("all"));
    TaskExecutor executor = TaskExecutor.builder(store, "node-a").build();

    TaskExecutor.Outcome crashed = executor.execute(claim(runId), spec, sink, stopAtCall(5));
    assertThat(crashed.state()).isEqualTo("stopped");
    long publishedBeforeCrash = TestDatabase.count("select count(*) from chunked");
    assertThat(publishedBeforeCrash).isBetween(1000L, ROWS - 1000L);
    TestDatabase.exec("update keel.task set state = 'queued', owner = null");

    TaskExecutor.Outcome resumed = executor.execute(claim(runId), spec, sink, TaskControl.NONE);

    assertThat(resumed.state()).as(String.valueOf(resumed.error())).isEqualTo("succeeded");
    assertThat(resumed.result().resumedRead()).isGreaterThanOrEqualTo(publishedBeforeCrash);
    assertThat(resumed.result().read() - resumed.result().resumedRead())
        .as("records read again")
        .isEqualTo(ROWS - resumed.result().resumedRead());
    assertThat(resumed.result().read()).isEqualTo(ROWS);
    long bad = ROWS / 97;
    assertThat(resumed.result().rejected()).isEqualTo(bad);
    assertThat(resumed.result().published()).isEqualTo(ROWS - bad);
    assertThat(TestDatabase.count("select count(*) from chunked")).isEqualTo(ROWS - bad);
    assertThat(TestDatabase.count("select count(distinct id) from chunked")).isEqualTo(ROWS - bad);
    assertThat(TestDatabase.count("select sum(amount * 100)::bigint from chunked"))
        .isEqualTo(sumOfGoodAmountsTimes100());
    if (format.equals("csv")) {
      assertThat(
              TestDatabase.count(
                  "select count(*) from chunked where id % 500 = 0 and name = E'multi\\nline'"))
          .isEqualTo(ROWS / 500);
    }
    assertThat(TestDatabase.rows("select position from keel.checkpoint")).isNotEmpty();
  }

  private static long sumOfGoodAmountsTimes100() {
    long sum = 0;
    for (int i = 1; i <= ROWS; i++) {
      if (i % 97 != 0) {
        sum += i * 100L + 50;
      }
    }
    return sum;
  }

  @Test
  void a_csv_partition_killed_mid_way_resumes_after_the_last_chunk_and_ends_like_a_clean_run()
      throws IOException {
    resumeAndCompare("csv", "upsert");
  }

  @Test
  void an_append_resumed_after_a_crash_appends_every_row_exactly_once() throws IOException {
    resumeAndCompare("csv", "append");
  }

  @Test
  void s3_csv_and_jsonl_partitions_resume_from_the_checkpoints_byte_offset() throws IOException {
    for (String format : List.of("csv", "jsonl")) {
      resumeAndCompare(format, "upsert", true);
      // the checkpoint holds the record's byte offset and the object's version: a ranged GET
      assertThat(TestDatabase.value("select position from keel.checkpoint"))
          .matches(format.equals("csv") ? "csv:\\d+:\\d+:\\d+:\\w+" : "line:\\d+:\\d+:\\d+:\\w+");
    }
  }

  @Test
  void parquet_partitions_local_and_on_s3_resume_after_the_checkpoint_s_row() throws IOException {
    for (boolean fromS3 : new boolean[] {false, true}) {
      resumeAndCompare("parquet", "upsert", fromS3);
      assertThat(TestDatabase.value("select position from keel.checkpoint")).matches("row:\\d+");
    }
  }

  @Test
  void a_jsonl_partition_resumes_after_its_last_checkpoint() throws IOException {
    resumeAndCompare("jsonl", "upsert");
  }

  @Test
  void a_source_file_truncated_after_a_checkpoint_fails_the_resume_with_what_to_do()
      throws IOException {
    PipelineSpec spec = setUp("csv", "upsert");
    long runId = LocalRun.builder(store).build().create(spec, List.of("all"));
    TaskExecutor executor = TaskExecutor.builder(store, "node-a").build();
    assertThat(executor.execute(claim(runId), spec, sink, stopAtCall(5)).state())
        .isEqualTo("stopped");
    long published = TestDatabase.count("select count(*) from chunked");
    Files.writeString(dir.resolve("in.csv"), "id,name,amount\n1,n1,1.50\n");
    TestDatabase.exec("update keel.task set state = 'queued', owner = null");

    TaskExecutor.Outcome resumed = executor.execute(claim(runId), spec, sink, TaskControl.NONE);

    assertThat(resumed.state()).isEqualTo("failed");
    assertThat(resumed.error())
        .contains("the file is shorter now")
        .contains("truncated or replaced");
    assertThat(TestDatabase.count("select count(*) from chunked"))
        .as("the committed chunks stay, nothing else")
        .isEqualTo(published);
  }

  @Test
  void chunk_commit_is_refused_with_replace() throws IOException {
    Files.writeString(
        dir.resolve("p.yaml"),
        """
        name: chunked
        source: { csv: { path: in.csv } }
        columns: { id: bigint }
        sink: { postgres: { mode: replace, commit: chunk } }
        """);

    Cli cli = Cli.run("validate", dir.resolve("p.yaml").toString());

    assertThat(cli.exit()).isEqualTo(2);
    assertThat(cli.err()).contains("commit: chunk cannot be used with mode replace");
  }
}
