package dev.keel.opensearch;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import org.opensearch.common.settings.Settings;
import org.opensearch.node.InternalSettingsPreparer;
import org.opensearch.node.Node;
import org.opensearch.transport.Netty4Plugin;

/**
 * A single-node OpenSearch for tests, run as its own JVM: {@code SearchNode <home> <http-port>
 * <transport-port>}. The node is built in code, as OpenSearch's own test framework does (a {@link
 * Node} with the netty4 transport and HTTP plugin given on the class path), so no distribution is
 * unpacked: single-node discovery, no security plugin, HTTP on 127.0.0.1, data under {@code home}.
 * It prints {@code started} on stdout once it serves, and closes on SIGTERM.
 */
public final class SearchNode {
  private SearchNode() {}

  public static void main(String[] args) throws Exception {
    if (args.length != 3) {
      System.err.println("usage: SearchNode <home> <http-port> <transport-port>");
      System.exit(2);
    }
    Path home = Path.of(args[0]).toAbsolutePath();
    // PluginsService reads these two folders; only the class-path plugin below is used.
    Files.createDirectories(home.resolve("modules"));
    Files.createDirectories(home.resolve("plugins"));
    Files.createDirectories(home.resolve("config"));
    Settings settings =
        Settings.builder()
            .put("path.home", home.toString())
            .put("path.data", home.resolve("data").toString())
            .put("path.logs", home.resolve("logs").toString())
            .put("cluster.name", "keel-logs-test")
            .put("node.name", "search")
            .put("discovery.type", "single-node")
            .put("network.host", "127.0.0.1")
            .put("http.port", args[1])
            .put("transport.port", args[2])
            .put("http.type", "netty4")
            .put("transport.type", "netty4")
            // a busy shared test disk must not turn the index read-only
            .put("cluster.routing.allocation.disk.threshold_enabled", false)
            .build();
    Node node = new ClasspathNode(settings);
    CountDownLatch closed = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  try {
                    node.close();
                  } catch (Exception e) {
                    e.printStackTrace();
                  }
                  closed.countDown();
                }));
    node.start();
    System.out.println("started");
    System.out.flush();
    closed.await();
  }

  /** {@link Node}'s constructor that takes plugins from the class path (protected for tests). */
  private static final class ClasspathNode extends Node {
    ClasspathNode(Settings settings) {
      super(
          InternalSettingsPreparer.prepareEnvironment(settings, Map.of(), null, () -> "search"),
          List.of(Netty4Plugin.class),
          true);
    }
  }
}
