package dev.keel.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.keel.testkit.TestDatabase;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A {@code keel rollback} process killed with SIGKILL while its transaction runs (seen in
 * pg_stat_activity, before its commit) leaves the partition untouched, never half rolled back; the
 * fence and locks it held go with its transaction, and the next rollback goes through.
 */
@Tag("slow")
class RollbackKillTest {
  private static final int ROWS = 100_000;

  /** A checksum of the whole target table. */
  private static final String STATE = "SELECT count(*) || ':' || sum(hashtext(name)) FROM big";

  @TempDir Path dir;

  @Test
  void a_rollback_killed_mid_way_leaves_the_partition_rolled_back_or_untouched() throws Exception {
    TestDatabase.reset();
    Path file = dir.resolve("big.yaml");
    Files.writeString(
        file,
        """
        name: big
        source: { csv: { path: big.csv } }
        columns: { id: bigint, name: text }
        sink: { postgres: { key: [id], keep_versions: 2 } }
        """);
    load(file, "v1");
    String afterRun1 = TestDatabase.value(STATE);
    load(file, "v2");
    String afterRun2 = TestDatabase.value(STATE);
    assertThat(afterRun2).isNotEqualTo(afterRun1);

    Process rollback =
        keel(dir.resolve("rollback.log"), "rollback", "big", "--partition", "all", "--to-run", "1");
    await()
        .atMost(Duration.ofMinutes(3))
        .pollInterval(Duration.ofMillis(50))
        .until(() -> !rollback.isAlive() || restoring() > 0);
    boolean killedMidWay = rollback.isAlive();
    rollback.destroyForcibly(); // SIGKILL
    assertThat(rollback.waitFor(30, TimeUnit.SECONDS)).isTrue();
    // The server ends the dead client's transaction when it notices; until then it holds the fence.
    await().atMost(Duration.ofMinutes(2)).until(() -> restoring() == 0);

    assertThat(killedMidWay)
        .as("the rollback was seen inside its transaction, before its commit, when it was killed")
        .isTrue();
    // It cannot commit any more: the transaction is gone with it, and the partition untouched.
    assertThat(TestDatabase.value(STATE)).isEqualTo(afterRun2);

    Cli again =
        Cli.run(
            "rollback", "big", "--partition", "all", "--to-run", "1", "--db", TestDatabase.url());
    assertThat(again.exit()).as(again.toString()).isZero();
    assertThat(TestDatabase.value(STATE)).isEqualTo(afterRun1);
  }

  /** Backends of the sink's rollback still working (or waiting) in a transaction. */
  private static long restoring() {
    return TestDatabase.count(
        "SELECT count(*) FROM pg_stat_activity WHERE query LIKE '%keel_restore%'"
            + " AND query NOT LIKE '%pg_stat_activity%' AND state <> 'idle'");
  }

  private void load(Path file, String version) throws IOException {
    StringBuilder csv = new StringBuilder("id,name\n");
    for (int i = 1; i <= ROWS; i++) {
      csv.append(i).append(",name-").append(i).append('-').append(version).append('\n');
    }
    Files.writeString(dir.resolve("big.csv"), csv);
    Cli run = Cli.runPipeline(file);
    assertThat(run.exit()).as(run.toString()).isZero();
  }

  private Process keel(Path log, String... args) throws IOException {
    List<String> cmd =
        new ArrayList<>(
            List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp",
                System.getProperty("java.class.path"),
                Main.class.getName()));
    cmd.addAll(List.of(args));
    cmd.addAll(List.of("--db", TestDatabase.url()));
    return new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
  }
}
