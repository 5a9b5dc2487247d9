package dev.keel.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keel.testkit.TestDatabase;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Files that are not files (devices, pipes, directories, endless streams), malformed or unreachable
 * databases and impossible arguments end with a clear message naming what was wrong and exit 2 (bad
 * input) or 1 (a database that cannot be reached), never a stack trace or an exhausted heap.
 */
class HostileFilesAndArgumentsTest {
  @TempDir Path dir;

  @BeforeEach
  void emptyDatabase() {
    TestDatabase.reset();
  }

  private static final String GOOD =
      """
      name: items
      source: { csv: { path: items.csv } }
      columns: { id: bigint, name: text }
      sink: { postgres: { key: [id] } }
      """;

  private Path pipeline(String yaml) throws IOException {
    Path file = dir.resolve("p.yaml");
    Files.writeString(file, yaml);
    return file;
  }

  private static void assertNoStackTrace(Cli cli) {
    assertThat(cli.out() + cli.err())
        .doesNotContain("\tat ")
        .doesNotContain("java.lang.")
        .doesNotContain("Exception:");
  }

  @Test
  void validate_of_dev_zero_is_refused_at_once_naming_the_file() {
    Cli cli = Cli.run("validate", "/dev/zero");

    assertThat(cli.exit()).isEqualTo(2);
    assertThat(cli.err()).contains("/dev/zero").contains("not a regular file");
    assertNoStackTrace(cli);
  }

  @Test
  void validate_of_a_directory_says_it_is_a_directory() {
    Cli cli = Cli.run("validate", dir.toString());

    assertThat(cli.exit()).isEqualTo(2);
    assertThat(cli.err()).contains(dir.toString()).contains("is a directory");
  }

  @Test
  void validate_of_a_fifo_with_no_writer_is_refused_without_waiting_for_one() throws Exception {
    Path fifo = dir.resolve("p.yaml");
    Process mkfifo = new ProcessBuilder("mkfifo", fifo.toString()).start();
    assertThat(mkfifo.waitFor(10, TimeUnit.SECONDS)).isTrue();
    assertThat(mkfifo.exitValue()).isZero();

    Cli cli = Cli.run("validate", fifo.toString());

    assertThat(cli.exit()).isEqualTo(2);
    assertThat(cli.err()).contains("p.yaml").contains("not a regular file");
  }

  @Test
  void a_pipeline_file_over_1_mib_is_refused_naming_the_file() throws IOException {
    Path file = pipeline(GOOD + "#" + "x".repeat(1024 * 1024) + "\n");

    Cli cli = Cli.run("validate", file.toString());

    assertThat(cli.exit()).isEqualTo(2);
    assertThat(cli.err()).contains("p.yaml").contains("larger than 1 MiB");
  }

  @Test
  void a_secret_read_from_dev_zero_is_refused_with_exit_2_naming_the_file() throws IOException {
    Path file =
        pipeline(GOOD.replace("key: [id] }", "key: [id], password: \"${file:/dev/zero}\" }"));

    Cli cli = Cli.run("validate", file.toString());

    assertThat(cli.exit()).isEqualTo(2);
    assertThat(cli.err())
        .contains("p.yaml:4:")
        .contains("secret file /dev/zero is not a regular file");
    assertNoStackTrace(cli);
  }

  @Test
  void a_secret_file_over_1_mib_is_refused_with_exit_2() throws IOException {
    Path secret = dir.resolve("pw");
    Files.writeString(secret, "x".repeat(1024 * 1024 + 1));
    Path file =
        pipeline(GOOD.replace("key: [id] }", "key: [id], password: \"${file:" + secret + "}\" }"));

    Cli cli = Cli.run("validate", file.toString());

    assertThat(cli.exit()).isEqualTo(2);
    assertThat(cli.err()).contains("secret file " + secret + " is larger than 1 MiB");
  }

  @Test
  void a_csv_quote_equal_to_the_delimiter_is_reported_with_line_and_column() throws IOException {
    Path file =
        pipeline(GOOD.replace("path: items.csv", "path: items.csv, delimiter: ';', quote: ';'"));

    Cli cli = Cli.run("validate", file.toString());

    assertThat(cli.exit()).isEqualTo(2);
    assertThat(cli.err())
        .contains("p.yaml:2:")
        .contains("source.csv.quote is the same character as the delimiter");
  }

  @Test
  void zero_or_negative_workers_are_refused_with_exit_2() throws IOException {
    Path file = pipeline(GOOD);

    for (String n : new String[] {"0", "-3"}) {
      Cli cli = Cli.runPipeline(file, "--workers", n);

      assertThat(cli.exit()).as(cli.toString()).isEqualTo(2);
      assertThat(cli.err()).contains("--workers").contains("must be between 1 and");
    }
  }

  @Test
  void a_malformed_db_url_is_exit_2_with_the_expected_form_and_no_driver_exception()
      throws IOException {
    Path file = pipeline(GOOD);

    for (String url :
        new String[] {"not-a-url", "jdbc:mysql://db/x", "jdbc:postgresql://db:notaport/x"}) {
      Cli cli = Cli.run("run", file.toString(), "--db", url);

      assertThat(cli.exit()).as(cli.toString()).isEqualTo(2);
      assertThat(cli.err())
          .contains("--db:")
          .contains("jdbc:postgresql://host:port/db")
          .doesNotContain("driver instance");
      assertNoStackTrace(cli);
    }
  }

  @Test
  void an_unreachable_metadata_database_names_host_and_port_and_exits_1_without_a_stack_trace()
      throws IOException {
    Path file = pipeline(GOOD);

    Cli cli = Cli.run("run", file.toString(), "--db", "jdbc:postgresql://127.0.0.1:1/nowhere");

    assertThat(cli.exit()).isEqualTo(1);
    assertThat(cli.err()).contains("127.0.0.1:1").containsIgnoringCase("refused");
    assertNoStackTrace(cli);
  }

  @Test
  void an_unknown_metadata_database_host_is_named_and_exits_1_without_a_stack_trace()
      throws IOException {
    Path file = pipeline(GOOD);

    Cli cli =
        Cli.run("run", file.toString(), "--db", "jdbc:postgresql://no-such-host.invalid:5432/keel");

    assertThat(cli.exit()).isEqualTo(1);
    assertThat(cli.err()).contains("no-such-host.invalid").containsIgnoringCase("unknown host");
    assertNoStackTrace(cli);
  }
}
