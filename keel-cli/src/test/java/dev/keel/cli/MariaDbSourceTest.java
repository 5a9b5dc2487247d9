package dev.keel.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.keel.testkit.TestDatabase;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The JDBC source against a real MariaDB server (Debian's mariadb-server, which .ci/run installs),
 * started by the test on a loopback port in a temporary folder.
 */
class MariaDbSourceTest {
  private static final Path MARIADBD = Path.of("/usr/sbin/mariadbd");
  private static Process server;
  private static String url;

  @TempDir static Path data;

  @TempDir Path dir;

  @BeforeAll
  static void startMariaDb() throws Exception {
    Assumptions.assumeTrue(
        Files.isExecutable(MARIADBD), "mariadb-server is not installed (.ci/run installs it)");
    Process init =
        new ProcessBuilder(
                "mariadb-install-db",
                "--no-defaults",
                "--datadir=" + data.resolve("db"),
                "--user=root",
                "--auth-root-authentication-method=normal",
                "--skip-test-db")
            .redirectErrorStream(true)
            .redirectOutput(data.resolve("install.log").toFile())
            .start();
    assertThat(init.waitFor(2, TimeUnit.MINUTES)).isTrue();
    assertThat(init.exitValue()).as(Files.readString(data.resolve("install.log"))).isZero();
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    server =
        new ProcessBuilder(
                MARIADBD.toString(),
                "--no-defaults",
                "--datadir=" + data.resolve("db"),
                "--user=root",
                "--port=" + port,
                "--bind-address=127.0.0.1",
                "--socket=" + data.resolve("sock"),
                "--pid-file=" + data.resolve("pid"))
            .redirectErrorStream(true)
            .redirectOutput(data.resolve("server.log").toFile())
            .start();
    url = "jdbc:mariadb://127.0.0.1:" + port + "/shop?user=root";
    String admin = "jdbc:mariadb://127.0.0.1:" + port + "/?user=root";
    await()
        .atMost(Duration.ofMinutes(1))
        .pollInterval(Duration.ofMillis(200))
        .ignoreExceptions()
        .until(
            () -> {
              try (Connection c = DriverManager.getConnection(admin)) {
                return c.isValid(2);
              }
            });
    try (Connection c = DriverManager.getConnection(admin);
        Statement st = c.createStatement()) {
      st.execute("create database shop");
      st.execute(
          "create table shop.orders (id bigint primary key, region varchar(10), amount decimal(12,2), ts datetime(3),"
              + " paid tinyint(1), note text)");
      st.execute(
          "insert into shop.orders select seq, if(seq % 2 = 0, 'eu', 'us'), seq * 1.25, '2026-01-01 00:00:00' + interval seq"
              + " minute, seq % 3 = 0, if(seq % 10 = 0, null, concat('note ', seq)) from shop.seq_1_to_5000");
      st.execute("insert into shop.orders values (9999, 'eu', 1.00, '2026-01-01', 1, 'café')");
    }
  }

  @AfterAll
  static void stopMariaDb() throws Exception {
    if (server != null) {
      server.destroy();
      server.waitFor(30, TimeUnit.SECONDS);
    }
  }

  @BeforeEach
  void emptyDatabase() {
    TestDatabase.reset();
  }

  @Test
  void a_mariadb_query_loads_each_partition_with_its_bound_parameter() throws IOException {
    Path file = dir.resolve("p.yaml");
    Files.writeString(
        file,
        """
        name: orders_from_maria
        partitions: { values: [eu, us] }
        source:
          jdbc: { url: "%s", query: "SELECT id, region, amount, ts, paid, note FROM orders WHERE region = :partition ORDER BY id", fetch_size: 500 }
        columns: { id: bigint, region: text, amount: "numeric(12,2)", ts: timestamp, paid: boolean, note: text }
        sink: { postgres: { key: [id] } }
        """
            .formatted(url));

    Cli cli = Cli.runPipeline(file);

    assertThat(cli.exit()).as(cli.toString()).isZero();
    assertThat(
            TestDatabase.rows(
                "select region, count(*), sum(amount), count(note), sum(case when paid then 1 else 0 end)"
                    + " from orders_from_maria group by region order by region"))
        .containsExactly("eu|2501|7815626.00|2001|834", "us|2500|7812500.00|2500|833");
    assertThat(
            TestDatabase.rows(
                "select ts, note from orders_from_maria where id in (1, 9999) order by id"))
        .containsExactly("2026-01-01 00:01:00|note 1", "2026-01-01 00:00:00|café");
  }

  @Test
  void a_query_on_a_missing_mariadb_table_fails_after_one_attempt_with_the_servers_message()
      throws IOException {
    Path file = dir.resolve("p.yaml");
    Files.writeString(
        file,
        """
        name: missing
        source: { jdbc: { url: "%s", query: "SELECT id FROM no_such_table" } }
        columns: { id: bigint }
        sink: { postgres: { key: [id] } }
        retry: { attempts: 3, backoff: 10ms }
        """
            .formatted(url));

    Cli cli = Cli.runPipeline(file);

    assertThat(cli.exit()).isEqualTo(1);
    assertThat(cli.out()).contains("no_such_table");
    assertThat(TestDatabase.rows("select state, attempt from keel.task"))
        .containsExactly("failed|1");
  }
}
