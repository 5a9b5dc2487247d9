package dev.keel.cli.chaos;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.keel.cli.Cli;
import dev.keel.testkit.TestDatabase;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code keel chaos} as a user runs it: bad input is refused with exit 2 before anything starts,
 * and a short session on a database holding other tables injects faults, passes its checks, writes
 * its report and leaves the other tables alone.
 */
class ChaosCommandTest {
  static final String PASSWORD = "chaos-pw-7781";

  @TempDir Path dir;

  @BeforeEach
  void reset() {
    TestDatabase.reset();
  }

  @Test
  void an_unknown_fault_is_bad_input_naming_the_kinds() {
    Cli cli = Cli.run("chaos", "--faults", "kill,flood");
    assertThat(cli.exit()).as(cli.toString()).isEqualTo(2);
    assertThat(cli.err()).contains("unknown fault 'flood'; use any of kill, freeze, cut, restart");
  }

  @Test
  void no_nodes_or_a_duration_under_a_lease_is_bad_input() {
    Cli none = Cli.run("chaos", "--nodes", "0");
    assertThat(none.exit()).as(none.toString()).isEqualTo(2);
    assertThat(none.err()).contains("at least 1 node");
    Cli brief = Cli.run("chaos", "--duration", "2s");
    assertThat(brief.exit()).as(brief.toString()).isEqualTo(2);
    assertThat(brief.err()).contains("shorter than one lease", "use --duration 20s or more");
  }

  @Test
  void restart_with_a_database_not_its_own_is_bad_input() {
    Cli cli = Cli.run("chaos", "--db", TestDatabase.url(), "--faults", "restart");
    assertThat(cli.exit()).as(cli.toString()).isEqualTo(2);
    assertThat(cli.err()).contains("leave restart out");
  }

  @Test
  void a_database_it_cannot_write_to_is_bad_input_without_the_password() {
    TestDatabase.exec(
        "DROP ROLE IF EXISTS chaos_reader",
        "CREATE ROLE chaos_reader LOGIN PASSWORD '" + PASSWORD + "'");
    String url =
        TestDatabase.url().replace("user=postgres", "user=chaos_reader&password=" + PASSWORD);

    Cli cli = Cli.run("chaos", "--db", url, "--faults", "kill");

    assertThat(cli.exit()).as(cli.toString()).isEqualTo(2);
    assertThat(cli.err()).contains("--db: user chaos_reader may not create schemas");
    assertThat(cli.out() + cli.err()).doesNotContain(PASSWORD);
    assertThat(TestDatabase.count("SELECT count(*) FROM pg_namespace WHERE nspname = 'keel'"))
        .isZero();
  }

  @Test
  void an_unreachable_or_multi_host_database_is_bad_input() {
    Cli down = Cli.run("chaos", "--db", "jdbc:postgresql://127.0.0.1:1/x", "--faults", "cut");
    assertThat(down.exit()).as(down.toString()).isEqualTo(2);
    assertThat(down.err()).contains("--db: cannot connect");
    Cli two =
        Cli.run("chaos", "--db", "jdbc:postgresql://h1:5432,h2:5432/x?targetServerType=primary");
    assertThat(two.exit()).as(two.toString()).isEqualTo(2);
    assertThat(two.err()).contains("names several hosts");
  }

  @Test
  @Tag("slow")
  void a_short_session_on_a_shared_database_holds_every_check_and_leaves_other_tables_alone()
      throws Exception {
    TestDatabase.exec(
        "CREATE TABLE public.customers (id int PRIMARY KEY, name text)",
        "INSERT INTO public.customers VALUES (1, 'Ada'), (2, 'Grace')");
    Path report = dir.resolve("chaos.json");

    Cli cli =
        Cli.run(
            "chaos",
            "--db",
            TestDatabase.url(),
            "--nodes",
            "2",
            "--duration",
            "20s",
            "--faults",
            "kill,freeze,cut",
            "--seed",
            "42",
            "--rows-per-partition",
            "5000",
            "--report",
            report.toString());

    System.out.println(cli.out()); // the session's table, in the test's report
    assertThat(cli.exit()).as(cli.toString()).isZero();
    assertThat(cli.out()).contains("exactly_once      ok", "every check held (seed 42)");
    JsonNode json = new ObjectMapper().readTree(report.toFile());
    assertThat(json.get("ok").asBoolean()).isTrue();
    assertThat(json.get("seed").asLong()).isEqualTo(42);
    assertThat(json.get("faults").size()).isPositive();
    assertThat(json.get("checks").findValuesAsText("name"))
        .containsExactly("exactly_once", "no_task_stuck", "alerts_resolved", "faults_recovered");
    assertThat(TestDatabase.rows("SELECT id || ':' || name FROM public.customers ORDER BY id"))
        .containsExactly("1:Ada", "2:Grace");
    // Every run's days landed: the table holds rows, and the check counted them.
    assertThat(TestDatabase.count("SELECT count(*) FROM public.chaos_orders")).isPositive();
  }
}
