package dev.keel.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code keel run} on the embedded PostgreSQL, killed with SIGKILL mid-load: the next {@code keel
 * run} on the same KEEL_HOME adopts the PostgreSQL the killed run left running, closes the dead
 * run, and publishes everything; nothing half-written is visible.
 */
class EmbeddedCrashTest {
  private static final int ROWS = 300_000;

  @TempDir Path dir;

  private Process keel(Path home, Path log, String... args) throws IOException {
    List<String> cmd =
        new ArrayList<>(
            List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp",
                System.getProperty("java.class.path"),
                Main.class.getName()));
    cmd.addAll(List.of(args));
    ProcessBuilder pb =
        new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
    pb.environment().put("KEEL_HOME", home.toString());
    pb.environment().remove("KEEL_DB");
    return pb.start();
  }

  private static String embeddedUrl(Path home) throws IOException {
    List<String> pid = Files.readAllLines(home.resolve("pgdata/postmaster.pid"));
    return "jdbc:postgresql://localhost:" + pid.get(3).trim() + "/postgres?user=postgres";
  }

  private static long query(String url, String sql) {
    try (Connection c = DriverManager.getConnection(url);
        ResultSet rs = c.createStatement().executeQuery(sql)) {
      rs.next();
      return rs.getLong(1);
    } catch (Exception e) {
      return -1;
    }
  }

  @Test
  void a_killed_keel_run_leaves_nothing_half_written_and_the_next_run_publishes_everything()
      throws Exception {
    StringBuilder csv = new StringBuilder("id,name\n");
    for (int i = 1; i <= ROWS; i++) {
      csv.append(i).append(",name-").append(i).append('\n');
    }
    Files.writeString(dir.resolve("big.csv"), csv);
    Path file = dir.resolve("big.yaml");
    Files.writeString(
        file,
        """
        name: big
        source: { csv: { path: big.csv } }
        columns: { id: bigint, name: text }
        sink: { postgres: { key: [id] } }
        """);
    Path home = dir.resolve("home");

    Process first = keel(home, dir.resolve("first.log"), "run", file.toString());
    await()
        .atMost(Duration.ofMinutes(3))
        .pollInterval(Duration.ofMillis(100))
        .until(
            () ->
                Files.exists(home.resolve("pgdata/postmaster.pid"))
                    && query(
                            embeddedUrl(home),
                            "select count(*) from keel.task where state = 'running'")
                        == 1);
    first.destroyForcibly();
    assertThat(first.waitFor(30, TimeUnit.SECONDS)).isTrue();
    String url = embeddedUrl(home);
    assertThat(query(url, "select count(*) from big"))
        .as("nothing published by the killed run")
        .isIn(0L, -1L);

    Process second = keel(home, dir.resolve("second.log"), "run", file.toString());
    assertThat(second.waitFor(5, TimeUnit.MINUTES)).isTrue();
    String secondLog = Files.readString(dir.resolve("second.log"));
    assertThat(second.exitValue()).as(secondLog).isZero();
    assertThat(secondLog)
        .as("the killed run's PostgreSQL was still running and was adopted")
        .contains("ended without leaving the embedded PostgreSQL");

    Process check =
        keel(
            home,
            dir.resolve("check.log"),
            "sql",
            "select count(*), sum(id), count(distinct name) from big");
    assertThat(check.waitFor(2, TimeUnit.MINUTES)).isTrue();
    long sum = (long) ROWS * (ROWS + 1) / 2;
    assertThat(Files.readString(dir.resolve("check.log")))
        .contains(ROWS + " | " + sum + " | " + ROWS);
  }
}
