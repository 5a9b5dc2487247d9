package dev.keel.cli.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.keel.cli.Main;
import dev.keel.testkit.LocalCluster;
import dev.keel.testkit.Pipelines;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.time.Duration;

/**
 * What the cluster tests do alike: trigger a run through the command line, wait for the nodes to
 * heartbeat, and check a generated pipeline's rows exactly.
 */
final class ClusterRuns {
  private ClusterRuns() {}

  /** {@code keel trigger PIPELINE}; returns the run id it printed. */
  static long trigger(LocalCluster cluster, String pipeline, Path pipelines) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code =
        Main.execute(
            new PrintWriter(out, true),
            new PrintWriter(err, true),
            "trigger",
            pipeline,
            "--db",
            cluster.url(),
            "--pipelines",
            pipelines.toString());
    assertThat(code).as(err.toString()).isZero();
    return Long.parseLong(out.toString().strip());
  }

  /**
   * Until {@code nodes} nodes are alive and heartbeated within the last 3 s (JVMs start slowly on a
   * busy machine).
   */
  static void awaitAlive(LocalCluster cluster, int nodes) {
    await()
        .ignoreExceptions()
        .atMost(Duration.ofSeconds(120))
        .until(
            () ->
                cluster.scalar(
                        "SELECT count(*) FROM keel.node WHERE state = 'alive' AND heartbeat_at > now() - interval '3 seconds'")
                    == nodes);
  }

  /**
   * The table of a {@link Pipelines#writeCsvPipeline} pipeline holds every generated row exactly
   * once: count, distinct ids and checksum.
   */
  static void assertExactRows(LocalCluster cluster, String table, int partitions, int rowsEach)
      throws Exception {
    long expected = (long) partitions * rowsEach;
    assertThat(cluster.scalar("SELECT count(*) FROM public." + table)).isEqualTo(expected);
    assertThat(cluster.scalar("SELECT count(DISTINCT id) FROM public." + table))
        .isEqualTo(expected);
    assertThat(cluster.rows(Pipelines.checksumSql(table)).get(0).get(0))
        .isEqualTo(Pipelines.expectedChecksum(partitions, rowsEach));
  }
}
