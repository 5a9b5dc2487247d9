package dev.keel.cli.chaos;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.keel.cli.Cli;
import dev.keel.testkit.TcpProxy;
import dev.keel.testkit.TestDatabase;
import java.io.IOException;
import java.io.Writer;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Network faults between keel and its sink, injected by a {@link TcpProxy} (the metadata database
 * is reached directly): the task retries and the target ends exact, never duplicated. Append mode,
 * so a second publish of the same rows would show as duplicate ids.
 */
class SinkFaultsTest {
  static final int ROWS = 200_000;

  @TempDir Path dir;

  TcpProxy proxy;

  @BeforeEach
  void setUp() throws IOException {
    TestDatabase.reset();
    proxy = TcpProxy.forJdbcUrl(TestDatabase.url());
  }

  @AfterEach
  void tearDown() throws IOException {
    proxy.close();
  }

  /**
   * A CSV of {@code rows} rows and an append pipeline into table {@code faulty} through the proxy.
   */
  static Path pipeline(Path dir, TcpProxy proxy, int rows, String extra) throws IOException {
    try (Writer w = Files.newBufferedWriter(dir.resolve("in.csv"))) {
      w.write("id,v,amount\n");
      for (int i = 1; i <= rows; i++) {
        w.write(i + ",v" + i + "," + amount(i) + "\n");
      }
    }
    Path file = dir.resolve("faulty.yaml");
    Files.writeString(
        file,
        """
        name: faulty
        source: { csv: { path: in.csv } }
        columns: { id: bigint, v: text, amount: "numeric(12,2)" }
        sink: { postgres: { url: "%s", mode: append } }
        retry: { attempts: 5, backoff: 100ms, max_backoff: 500ms }
        %s"""
            .formatted(proxy.jdbcUrl(TestDatabase.url()), extra));
    return file;
  }

  static String amount(long id) {
    return (id % 100_000) + "." + String.format("%02d", id % 100);
  }

  static final String CHECKSUM =
      "select md5(string_agg(id || ',' || v || ',' || amount, '|' order by id)) from faulty";

  static String expectedChecksum(int rows) throws Exception {
    MessageDigest md5 = MessageDigest.getInstance("MD5");
    for (int i = 1; i <= rows; i++) {
      md5.update(
          ((i == 1 ? "" : "|") + i + ",v" + i + "," + amount(i)).getBytes(StandardCharsets.UTF_8));
    }
    return String.format("%032x", new BigInteger(1, md5.digest()));
  }

  static void assertExact(int rows) throws Exception {
    assertThat(TestDatabase.count("select count(*) from faulty")).isEqualTo(rows);
    assertThat(TestDatabase.count("select count(distinct id) from faulty")).isEqualTo(rows);
    assertThat(TestDatabase.rows(CHECKSUM)).containsExactly(expectedChecksum(rows));
  }

  @Test
  void a_connection_cut_mid_copy_is_retried_and_the_target_is_exact() throws Exception {
    Path file = pipeline(dir, proxy, ROWS, "");
    // The CSV is ~5 MB on the wire; the sink's setup (Flyway, the target table) is a few kB.
    proxy.cutAfterClientBytes(1_500_000);

    Cli cli = Cli.runPipeline(file);

    assertThat(cli.exit()).as(cli.toString()).isZero();
    assertThat(proxy.cuts()).isEqualTo(1);
    assertExact(ROWS);
    assertThat(TestDatabase.rows("select attempt, outcome from keel.task_attempt order by attempt"))
        .containsExactly("1|retry", "2|succeeded");
    assertThat(TestDatabase.rows("select error from keel.task_attempt where attempt = 1").get(0))
        .contains("staging rows with COPY");
  }

  @Test
  void a_connection_cut_mid_publish_rolls_back_and_the_retry_publishes_once() throws Exception {
    Path file = pipeline(dir, proxy, ROWS, "");
    // The publish's load-id insert never reaches the server: the publish transaction rolls back.
    proxy.cutOnClientBytes(TcpProxy.When.BEFORE_FORWARDING, "INSERT INTO keel_sink.load");

    Cli cli = Cli.runPipeline(file);

    assertThat(cli.exit()).as(cli.toString()).isZero();
    assertThat(proxy.cuts()).isEqualTo(1);
    assertExact(ROWS);
    assertThat(TestDatabase.rows("select attempt, outcome from keel.task_attempt order by attempt"))
        .containsExactly("1|retry", "2|succeeded");
  }

  @Test
  void a_commit_whose_acknowledgement_is_lost_is_found_by_its_load_id_and_not_published_twice()
      throws Exception {
    Path file = pipeline(dir, proxy, ROWS, "");
    // COMMIT reaches the server and commits; the reply is dropped and the line cut: in doubt.
    proxy.cutOnClientBytes(TcpProxy.When.AFTER_FORWARDING, "INSERT INTO keel_sink.load", "COMMIT");

    Cli cli = Cli.runPipeline(file);

    assertThat(cli.exit()).as(cli.toString()).isZero();
    assertThat(proxy.cuts()).isEqualTo(1);
    assertExact(ROWS);
    assertThat(TestDatabase.rows("select attempt, outcome from keel.task_attempt order by attempt"))
        .containsExactly("1|retry", "2|succeeded");
    assertThat(TestDatabase.count("select count(*) from keel_sink.load")).isEqualTo(1);
    assertThat(TestDatabase.count("select rows_published from keel.task"))
        .as("the retry reports the earlier publish")
        .isEqualTo(ROWS);
  }

  @Test
  void a_sink_down_longer_than_all_backoffs_makes_the_run_wait_and_complete_when_it_is_back()
      throws Exception {
    // Backoffs total well under a second; the sink stays down ~20 s.
    Path file = pipeline(dir, proxy, ROWS, "");
    proxy.cutAfterClientBytes(1_500_000, true);

    CompletableFuture<Cli> run =
        CompletableFuture.supplyAsync(() -> Cli.runPipeline(file, "--sink-outage-wait", "1s"));
    await()
        .ignoreExceptions()
        .atMost(Duration.ofSeconds(90))
        .until(
            () ->
                !TestDatabase.rows("select 1 from keel.task where error like 'waiting for sink%'")
                    .isEmpty());
    Cli status = Cli.run("status", "--db", TestDatabase.url());
    assertThat(status.out())
        .contains(
            "waiting for sink jdbc:postgresql://127.0.0.1:" + proxy.port(), "no attempt spent");
    Thread.sleep(15_000);
    assertThat(run).isNotDone();
    proxy.up();
    Cli cli = run.get(120, TimeUnit.SECONDS);

    assertThat(cli.exit()).as(cli.toString()).isZero();
    assertExact(ROWS);
    List<String> outcomes =
        TestDatabase.rows("select outcome from keel.task_attempt order by fence");
    // The sink went away (unreachable when asked): even the first cut waits instead of spending an
    // attempt.
    assertThat(outcomes).startsWith("waiting").endsWith("succeeded").doesNotContain("retry");
    assertThat(TestDatabase.count("select attempt from keel.task"))
        .as("attempts spent")
        .isEqualTo(1);
    assertThat(TestDatabase.rows("select error from keel.task")).containsExactly("null");
  }

  @Test
  void a_query_on_an_undefined_column_fails_after_one_attempt_with_an_actionable_message()
      throws Exception {
    TestDatabase.exec(
        "create table src (id bigint, region text)", "insert into src values (1, 'eu')");
    Path file = dir.resolve("broken.yaml");
    Files.writeString(
        file,
        """
        name: broken
        partitions: { values: [eu] }
        source: { jdbc: { url: "%s", query: "select id, amount from src where region = :partition" } }
        columns: { id: bigint, amount: "numeric(12,2)" }
        sink: { postgres: { url: "%s", mode: append } }
        retry: { attempts: 5, backoff: 100ms, max_backoff: 500ms }
        """
            .formatted(TestDatabase.url(), proxy.jdbcUrl(TestDatabase.url())));

    Cli cli = Cli.runPipeline(file);

    assertThat(cli.exit()).as(cli.toString()).isEqualTo(1);
    assertThat(TestDatabase.rows("select state, attempt from keel.task"))
        .containsExactly("failed|1");
    String error = TestDatabase.rows("select error from keel.task").get(0);
    assertThat(error)
        .contains(
            "pipeline broken",
            "partition eu",
            "opening the source",
            "undefined column",
            "amount",
            "not retried");
    assertThat(cli.out()).contains(error);
  }
}
