package dev.keel.cli.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.keel.testkit.ClusterFixture;
import dev.keel.testkit.LocalCluster;
import dev.keel.testkit.Pipelines;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Two real {@code keel node --backup-to DIR --backup-every 2s} processes on one database: each
 * slot's backup is taken by one of them, into its own timestamped folder, and none fails.
 */
class NodeBackupTest {
  @RegisterExtension final ClusterFixture fixture = new ClusterFixture();

  @Test
  @Tag("slow")
  void two_nodes_take_each_scheduled_backup_once() throws Exception {
    Path pipelines = fixture.work().resolve("pipelines");
    Pipelines.writeCsvPipeline(pipelines, "backed", Pipelines.partitions(2), 10);
    Path backups = fixture.work().resolve("backups");
    LocalCluster cluster = fixture.start();
    for (String id : List.of("node-a", "node-b")) {
      cluster.node(
          id,
          "--pipelines",
          pipelines.toString(),
          "--backup-to",
          backups.toString(),
          "--backup-every",
          "2s");
    }
    await()
        .ignoreExceptions()
        .atMost(Duration.ofSeconds(120))
        .until(
            () ->
                cluster.scalar(
                        "SELECT count(*) FROM keel.config_backup b WHERE finished_at IS NOT NULL"
                            + " AND EXISTS (SELECT 1 FROM keel.pipeline_version)"
                            + " AND b.claimed_at > (SELECT min(created_at) FROM keel.pipeline_version)")
                    >= 3);
    for (var n : cluster.nodes()) {
      n.kill9();
    }
    assertThat(cluster.scalar("SELECT count(*) FROM keel.config_backup WHERE error IS NOT NULL"))
        .isZero();
    List<List<String>> slots =
        cluster.rows(
            "SELECT to_char(slot AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24-MI-SS\"Z\"'), node"
                + " FROM keel.config_backup WHERE finished_at IS NOT NULL ORDER BY slot");
    List<String> folders;
    try (Stream<Path> s = Files.list(backups)) {
      folders =
          s.filter(f -> Files.exists(f.resolve("manifest.json")))
              .map(f -> f.getFileName().toString())
              .sorted()
              .toList();
    }
    assertThat(folders).containsAll(slots.stream().map(r -> r.get(0)).toList());
    String last = slots.get(slots.size() - 1).get(0);
    assertThat(Files.readString(backups.resolve(last).resolve("pipelines.json")))
        .contains("\"pipeline\" : \"backed\"");
  }
}
