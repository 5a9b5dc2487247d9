package dev.keel.cli.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.keel.testkit.ClusterFixture;
import dev.keel.testkit.LocalCluster;
import dev.keel.testkit.Pipelines;
import dev.keel.testkit.ReplicatedDatabase;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A sink whose server is reachable but read-only (a standby: every write answers SQLSTATE 25006) is
 * a failover in progress, not a broken task: its tasks wait without spending attempts, however long
 * it lasts, and run once the standby is promoted.
 */
class ReadOnlyStandbyTest {
  static final String PIPELINE = "standby_sink";
  static final int PARTITIONS = 4;
  static final int ROWS = 2_000;

  @RegisterExtension final ClusterFixture fixture = new ClusterFixture();

  @Test
  @Tag("slow")
  void a_read_only_sink_burns_no_attempt_and_the_run_succeeds_after_the_promotion()
      throws Exception {
    LocalCluster cluster = fixture.startReplicated(ReplicatedDatabase.Replication.ASYNCHRONOUS);
    ReplicatedDatabase pg = fixture.replicated();
    Path dir = fixture.work().resolve("pipelines");
    Pipelines.writeCsvPipeline(dir, PIPELINE, Pipelines.partitions(PARTITIONS), ROWS);
    Path file = dir.resolve(PIPELINE + ".yaml");
    // The sink names the standby alone: reachable, and read-only until promoted.
    Files.writeString(
        file,
        Files.readString(file)
            .replace("mode: append }", "mode: append, url: \"" + pg.standbyUrl() + "\" }"));
    String[] args = {
      "--pipelines",
      dir.toString(),
      "--workers",
      "2",
      "--lease",
      "5s",
      "--heartbeat",
      "1s",
      "--poll",
      "200ms"
    };
    cluster.node("node-a", args);
    cluster.node("node-b", args);
    await()
        .ignoreExceptions()
        .atMost(Duration.ofSeconds(60))
        .until(() -> cluster.scalar("SELECT count(*) FROM keel.node WHERE state = 'alive'") == 2);
    long run = trigger(cluster, dir);

    // Many tries against the standby, each given back.
    await()
        .ignoreExceptions()
        .atMost(Duration.ofSeconds(120))
        .until(
            () ->
                cluster.scalar(
                        "SELECT count(*) FROM keel.task_attempt a JOIN keel.task t ON t.id = a.task_id"
                            + " WHERE t.run_id = ? AND a.outcome = 'waiting'",
                        run)
                    >= PARTITIONS);
    assertThat(cluster.scalar("SELECT max(attempt) FROM keel.task WHERE run_id = ?", run))
        .as("no attempt spent on a read-only server")
        .isLessThanOrEqualTo(1);
    assertThat(
            cluster.scalar(
                "SELECT count(*) FROM keel.task WHERE run_id = ? AND state = 'failed'", run))
        .isZero();
    assertThat(
            cluster.rows(
                "SELECT DISTINCT a.error FROM keel.task_attempt a JOIN keel.task t ON t.id = a.task_id"
                    + " WHERE t.run_id = ? AND a.outcome = 'waiting'",
                run))
        .allSatisfy(row -> assertThat(row.get(0)).contains("no attempt spent"));

    pg.promoteStandby();

    await()
        .ignoreExceptions()
        .atMost(Duration.ofSeconds(180))
        .pollInterval(Duration.ofMillis(500))
        .until(
            () ->
                cluster.scalar(
                        "SELECT count(*) FROM keel.task WHERE run_id = ? AND state = 'succeeded'",
                        run)
                    == PARTITIONS);
    assertThat(cluster.scalar("SELECT max(attempt) FROM keel.task WHERE run_id = ?", run))
        .isEqualTo(1);
    long expected = (long) PARTITIONS * ROWS;
    try (Connection c = DriverManager.getConnection(pg.standbyUrl());
        Statement st = c.createStatement();
        ResultSet rs =
            st.executeQuery("SELECT count(*), count(DISTINCT id) FROM public." + PIPELINE)) {
      rs.next();
      assertThat(rs.getLong(1)).isEqualTo(expected);
      assertThat(rs.getLong(2)).isEqualTo(expected);
    }
  }

  static long trigger(LocalCluster cluster, Path dir) {
    return ClusterRuns.trigger(cluster, PIPELINE, dir);
  }
}
