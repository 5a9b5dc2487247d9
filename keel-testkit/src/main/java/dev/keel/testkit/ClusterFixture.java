package dev.keel.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * The set-up every multi-process cluster test shares: a work folder of its own, a {@link
 * LocalCluster} (a PostgreSQL and real {@code keel node} processes), and after the test the nodes
 * stopped, the database closed, and each node's log kept under {@code target/cluster-logs/TEST/}.
 *
 * <pre>
 * &#64;RegisterExtension final ClusterFixture fixture = new ClusterFixture();
 *
 * &#64;Test void survives() throws Exception {
 *   LocalCluster cluster = fixture.start();
 *   cluster.node("node-a", "--pipelines", fixture.work().resolve("pipelines").toString());
 * </pre>
 */
public final class ClusterFixture implements BeforeEachCallback, AfterEachCallback {
  private Path work;
  private LocalCluster cluster;
  private ReplicatedDatabase replicated;

  @Override
  public void beforeEach(ExtensionContext context) throws IOException {
    work = Files.createTempDirectory("keel-cluster-");
  }

  /**
   * This test's folder (pipelines, data, the nodes' logs under {@code logs/}), deleted after the
   * test.
   */
  public Path work() {
    return work;
  }

  public Path logs() {
    return work.resolve("logs");
  }

  /** A cluster on a fresh PostgreSQL (fsync off, as tests trade durability for speed). */
  public LocalCluster start() throws IOException {
    cluster = LocalCluster.start(logs(), false);
    return cluster;
  }

  /**
   * A cluster whose PostgreSQL can be stopped and started again on its data ({@link
   * LocalCluster#restartDatabase}).
   */
  public LocalCluster startRestartable() throws IOException {
    cluster = LocalCluster.startRestartable(logs(), work.resolve("pgdata"));
    return cluster;
  }

  /**
   * A PostgreSQL primary and a standby ({@link ReplicatedDatabase}, under this test's folder) and a
   * cluster whose nodes use both through the multi-host URL; {@link #replicated()} kills and
   * promotes.
   */
  public LocalCluster startReplicated(ReplicatedDatabase.Replication replication)
      throws IOException {
    replicated = ReplicatedDatabase.start(work.resolve("pg"), replication);
    cluster = LocalCluster.on(replicated.url(), logs());
    return cluster;
  }

  /** The primary and standby of {@link #startReplicated}. */
  public ReplicatedDatabase replicated() {
    return replicated;
  }

  @Override
  public void afterEach(ExtensionContext context) throws IOException {
    try {
      if (cluster != null) {
        cluster.close();
      }
      if (replicated != null) {
        replicated.close();
      }
      keepLogs(context.getRequiredTestMethod().getName());
    } finally {
      cluster = null;
      replicated = null;
      delete(work);
    }
  }

  private void keepLogs(String test) throws IOException {
    if (!Files.isDirectory(logs())) {
      return;
    }
    Path into = Path.of("target", "cluster-logs", test);
    Files.createDirectories(into);
    try (Stream<Path> files = Files.list(logs())) {
      for (Path f : files.toList()) {
        Files.copy(
            f, into.resolve(f.getFileName()), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
      }
    }
  }

  private static void delete(Path dir) {
    try (Stream<Path> all = Files.walk(dir)) {
      all.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
