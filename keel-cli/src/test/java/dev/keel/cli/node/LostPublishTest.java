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
 * The sink is a primary with an asynchronous standby. Pipeline {@code kept} is published and
 * replicated; then the standby stops receiving WAL, pipeline {@code lost} is published on the
 * primary only (its run succeeds), the primary crashes and the standby is promoted. The node sees
 * the sink's new server (another timeline), finds {@code lost}'s load records gone and runs its
 * partitions again; {@code kept}'s are there and are left alone. Both tables come out exact.
 */
class LostPublishTest {
  static final int PARTITIONS = 3;
  static final int ROWS = 1_000;

  @RegisterExtension final ClusterFixture fixture = new ClusterFixture();

  @Test
  @Tag("slow")
  void a_publish_the_promoted_async_standby_never_received_is_run_again_and_rows_are_exact()
      throws Exception {
    LocalCluster cluster = fixture.start();
    try (ReplicatedDatabase sink =
        ReplicatedDatabase.start(
            fixture.work().resolve("sink-pg"), ReplicatedDatabase.Replication.ASYNCHRONOUS)) {
      Path dir = fixture.work().resolve("pipelines");
      for (String name : new String[] {"kept", "lost"}) {
        Pipelines.writeCsvPipeline(dir, name, Pipelines.partitions(PARTITIONS), ROWS);
        Path file = dir.resolve(name + ".yaml");
        Files.writeString(
            file,
            Files.readString(file)
                .replace("mode: append }", "mode: append, url: \"" + sink.url() + "\" }"));
      }
      cluster.node(
          "node-a",
          "--pipelines",
          dir.toString(),
          "--workers",
          "2",
          "--lease",
          "5s",
          "--heartbeat",
          "1s",
          "--poll",
          "200ms");
      await()
          .ignoreExceptions()
          .atMost(Duration.ofSeconds(60))
          .until(() -> cluster.scalar("SELECT count(*) FROM keel.node WHERE state = 'alive'") == 1);

      long kept = trigger(cluster, dir, "kept");
      awaitSucceeded(cluster, kept);
      await()
          .atMost(Duration.ofSeconds(60))
          .ignoreExceptions()
          .until(
              () -> count(sink.standbyUrl(), "SELECT count(*) FROM keel_sink.load") == PARTITIONS);

      sink.detachStandby();
      long lost = trigger(cluster, dir, "lost");
      awaitSucceeded(cluster, lost);
      // The node has seen both pipelines' sink server before the crash.
      await()
          .atMost(Duration.ofSeconds(60))
          .until(() -> cluster.scalar("SELECT count(*) FROM keel.sink_server") == 2);
      assertThat(count(sink.standbyUrl(), "SELECT count(*) FROM keel_sink.load"))
          .as("the standby never received lost's publishes")
          .isEqualTo(PARTITIONS);

      sink.killPrimary();
      sink.promoteStandby();

      await()
          .ignoreExceptions()
          .atMost(Duration.ofSeconds(180))
          .pollInterval(Duration.ofMillis(500))
          .until(
              () ->
                  count(sink.standbyUrl(), "SELECT count(*) FROM public.lost")
                      == PARTITIONS * ROWS);
      awaitSucceeded(cluster, lost);
      long expected = (long) PARTITIONS * ROWS;
      assertThat(count(sink.standbyUrl(), "SELECT count(DISTINCT id) FROM public.lost"))
          .isEqualTo(expected);
      assertThat(count(sink.standbyUrl(), "SELECT count(*) FROM public.kept")).isEqualTo(expected);
      assertThat(
              cluster.scalar(
                  "SELECT count(*) FROM keel.task_attempt a JOIN keel.task t ON t.id = a.task_id"
                      + " WHERE t.run_id = ? AND a.outcome = 'succeeded'",
                  lost))
          .as("each of lost's partitions published twice: on the old primary, then again")
          .isEqualTo(2L * PARTITIONS);
      assertThat(
              cluster.scalar(
                  "SELECT count(*) FROM keel.task_attempt a JOIN keel.task t ON t.id = a.task_id"
                      + " WHERE t.run_id = ?",
                  kept))
          .as("kept's partitions were not run again")
          .isEqualTo(PARTITIONS);
    }
  }

  static void awaitSucceeded(LocalCluster cluster, long run) {
    await()
        .ignoreExceptions()
        .atMost(Duration.ofSeconds(120))
        .pollInterval(Duration.ofMillis(300))
        .until(
            () ->
                cluster.scalar(
                        "SELECT count(*) FROM keel.task WHERE run_id = ? AND state = 'succeeded'",
                        run)
                    == PARTITIONS);
  }

  static long count(String url, String sql) throws Exception {
    try (Connection c = DriverManager.getConnection(url);
        Statement st = c.createStatement();
        ResultSet rs = st.executeQuery(sql)) {
      rs.next();
      return rs.getLong(1);
    }
  }

  static long trigger(LocalCluster cluster, Path dir, String name) {
    return ClusterRuns.trigger(cluster, name, dir);
  }
}
