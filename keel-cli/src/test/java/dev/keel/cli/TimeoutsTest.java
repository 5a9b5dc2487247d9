package dev.keel.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import dev.keel.engine.LocalRun;
import dev.keel.engine.SinkFactory;
import dev.keel.record.RecordSource;
import dev.keel.record.SourceRecord;
import dev.keel.runtime.Sink;
import dev.keel.spec.PipelineSpec;
import dev.keel.spec.SpecReader;
import dev.keel.store.Database;
import dev.keel.store.MetadataStore;
import dev.keel.testkit.TestDatabase;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A worker never stays blocked on a peer that does not answer: JDBC sources connect with timeouts,
 * an attempt has a limit (attempt_timeout) that cancels its work, and an Error in a worker fails
 * its task instead of leaving it held.
 */
class TimeoutsTest {
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

  /** Accepts TCP connections and holds them open without ever reading or writing a byte. */
  private static final class SilentServer implements AutoCloseable {
    final ServerSocket socket;
    final List<Socket> held = new CopyOnWriteArrayList<>();

    SilentServer() throws IOException {
      socket = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
      Thread acceptor =
          new Thread(
              () -> {
                try {
                  while (true) {
                    held.add(socket.accept());
                  }
                } catch (IOException closed) {
                  // the test is over
                }
              },
              "silent-server");
      acceptor.setDaemon(true);
      acceptor.start();
    }

    int port() {
      return socket.getLocalPort();
    }

    @Override
    public void close() throws IOException {
      socket.close();
      for (Socket s : held) {
        s.close();
      }
    }
  }

  @Test
  void
      a_jdbc_source_on_a_server_that_accepts_and_never_answers_fails_within_the_login_timeout_naming_host_and_port()
          throws IOException {
    try (SilentServer server = new SilentServer()) {
      Path file =
          pipeline(
              """
          name: silent
          source: { jdbc: { url: "jdbc:postgresql://127.0.0.1:%d/x", query: "select 1 as id" } }
          columns: { id: bigint }
          sink: { postgres: { table: t, key: [id], mode: upsert } }
          retry: { attempts: 1 }
          """
                  .formatted(server.port()));
      long started = System.nanoTime();

      Cli cli = assertTimeoutPreemptively(Duration.ofSeconds(60), () -> Cli.runPipeline(file));

      assertThat(cli.exit()).as(cli.toString()).isEqualTo(1);
      assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(30));
      assertThat(server.held).as("keel reached the server").isNotEmpty();
      assertThat(cli.out())
          .contains("cannot connect to jdbc:postgresql://127.0.0.1:" + server.port() + "/x")
          .contains(
              "no answer from 127.0.0.1:" + server.port() + " within the login timeout of 10s")
          .contains("(transient)");
      assertThat(cli.out() + cli.err()).doesNotContain("\tat ");
      assertThat(TestDatabase.rows("select state from keel.run")).containsExactly("failed");
    }
  }

  @Test
  void a_short_source_timeout_bounds_connecting_too() throws IOException {
    try (SilentServer server = new SilentServer()) {
      Path file =
          pipeline(
              """
          name: silent
          source: { jdbc: { url: "jdbc:postgresql://127.0.0.1:%d/x", query: "select 1 as id", timeout: 2s } }
          columns: { id: bigint }
          sink: { postgres: { table: t, key: [id], mode: upsert } }
          retry: { attempts: 1 }
          """
                  .formatted(server.port()));
      long started = System.nanoTime();

      Cli cli = assertTimeoutPreemptively(Duration.ofSeconds(60), () -> Cli.runPipeline(file));

      assertThat(cli.exit()).as(cli.toString()).isEqualTo(1);
      assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(9));
      assertThat(cli.out()).contains("within the login timeout of 2s");
    }
  }

  @Test
  void
      an_attempt_over_attempt_timeout_is_stopped_as_transient_naming_the_step_and_its_query_is_cancelled()
          throws IOException {
    Path file =
        pipeline(
            """
        name: sleepy
        source: { jdbc: { url: "%s", query: "select 1::bigint as id from pg_sleep(60)" } }
        columns: { id: bigint }
        sink: { postgres: { table: t, key: [id], mode: upsert } }
        retry: { attempts: 2, backoff: 1s, max_backoff: 1s }
        attempt_timeout: 2s
        """
                .formatted(TestDatabase.url()));
    long started = System.nanoTime();

    Cli cli = assertTimeoutPreemptively(Duration.ofSeconds(50), () -> Cli.runPipeline(file));

    assertThat(cli.exit()).as(cli.toString()).isEqualTo(1);
    assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(30));
    assertThat(TestDatabase.rows("select attempt || ' ' || state from keel.task"))
        .containsExactly("2 failed");
    List<String> errors = TestDatabase.rows("select error from keel.task_attempt order by attempt");
    assertThat(errors)
        .hasSize(2)
        .allSatisfy(
            e ->
                assertThat(e)
                    .contains("opening the source failed: attempt timeout (transient)")
                    .contains("attempt exceeded attempt_timeout 2s during opening the source"));
    assertThat(TestDatabase.rows("select state from keel.run")).containsExactly("failed");
    // Closing the socket alone would leave the backend sleeping out its 60 s; the cancel ends it.
    await()
        .atMost(Duration.ofSeconds(10))
        .until(
            () ->
                TestDatabase.count(
                        "select count(*) from pg_stat_activity where state = 'active' and query like '%pg_sleep(60)%'"
                            + " and pid <> pg_backend_pid()")
                    == 0);
  }

  @Test
  void attempt_timeout_and_timeout_must_be_durations_of_a_second_or_more() throws IOException {
    Path file =
        pipeline(
            """
        name: items
        source: { jdbc: { url: "jdbc:postgresql://127.0.0.1:1/x", query: "select 1 as id", timeout: 500ms } }
        columns: { id: bigint }
        sink: { postgres: { key: [id] } }
        attempt_timeout: soon
        """);

    Cli cli = Cli.run("validate", file.toString());

    assertThat(cli.exit()).isEqualTo(2);
    assertThat(cli.err())
        .contains("p.yaml:2:", "source.jdbc.timeout must be at least 1s")
        .contains(
            "p.yaml:5:",
            "attempt_timeout must be a duration such as 500ms, 2s, 5m or 1h, not 'soon'");
  }

  @Test
  void an_error_thrown_in_a_worker_fails_the_task_with_its_message_and_ends_the_run()
      throws Exception {
    Path file =
        pipeline(
            """
        name: oom
        source: { csv: { path: unused.csv } }
        columns: { id: bigint }
        sink: { postgres: { table: t, key: [id], mode: upsert } }
        """);
    PipelineSpec spec = new SpecReader().read(file);
    try (MetadataStore store =
            MetadataStore.open(new Database(TestDatabase.url(), null, null, 4, "test"));
        Sink sink = SinkFactory.create(spec, store.db())) {
      sink.prepare();
      LocalRun run = LocalRun.builder(store).build();
      long runId = run.create(spec, List.of("all"));

      run.execute(
          runId, spec, sink, 1, (source, columns, partition, baseDir, resume) -> new HugeRecords());

      assertThat(TestDatabase.rows("select state from keel.task")).containsExactly("failed");
      assertThat(TestDatabase.value("select error from keel.task"))
          .contains("a worker failed")
          .contains("OutOfMemoryError")
          .contains("not retried");
      assertThat(TestDatabase.rows("select state from keel.run where id = " + runId))
          .containsExactly("failed");
    }
  }

  /**
   * A source whose first record needs an array larger than the VM allows: a real OutOfMemoryError.
   */
  private static final class HugeRecords implements RecordSource {
    @Override
    public SourceRecord next() {
      byte[] huge = new byte[Integer.MAX_VALUE];
      return SourceRecord.row(1, new Object[] {(long) huge.length});
    }

    @Override
    public String describe() {
      return "huge records";
    }

    @Override
    public void close() {}
  }
}
