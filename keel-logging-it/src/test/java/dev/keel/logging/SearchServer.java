package dev.keel.logging;

import java.io.IOException;
import java.io.InputStream;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real single-node OpenSearch 2.19 as a child JVM (keel-opensearch-node's {@code SearchNode}), on
 * the class path that module listed at build time: OpenSearch, Lucene and log4j stay out of this
 * JVM and out of the keel nodes it starts. HTTP on a free port of 127.0.0.1, data under {@code
 * home}; {@link #close} stops it (SIGTERM, then SIGKILL).
 */
final class SearchServer implements AutoCloseable {
  static final String CLASSPATH_FILE = "opensearch-node.classpath";

  private final Process process;
  private final int port;
  private final Path log;
  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  private SearchServer(Process process, int port, Path log) {
    this.process = process;
    this.port = port;
    this.log = log;
  }

  /** Starts the node; returns once its cluster is yellow or green, or throws with its output. */
  static SearchServer start(Path home) throws IOException, InterruptedException {
    Files.createDirectories(home);
    int httpPort = freePort();
    int transportPort = freePort();
    Path log = home.resolve("opensearch.log");
    Process p =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:+UseSerialGC",
                "-Xms256m",
                "-Xmx512m",
                "-cp",
                classPath(),
                "dev.keel.opensearch.SearchNode",
                home.toString(),
                Integer.toString(httpPort),
                Integer.toString(transportPort))
            .redirectErrorStream(true)
            .redirectOutput(log.toFile())
            .start();
    SearchServer server = new SearchServer(p, httpPort, log);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(180);
    while (true) {
      if (!p.isAlive()) {
        throw new IOException(
            "OpenSearch exited with " + p.exitValue() + ":\n" + Files.readString(log));
      }
      try {
        HttpResponse<String> health =
            server.get("/_cluster/health?wait_for_status=yellow&timeout=5s");
        if (health.statusCode() == 200) {
          return server;
        }
      } catch (IOException notYet) {
        // not listening yet
      }
      if (System.nanoTime() > deadline) {
        server.close();
        throw new IOException("OpenSearch did not start within 180 s:\n" + Files.readString(log));
      }
      Thread.sleep(500); // polling a child process's port, not synchronising threads
    }
  }

  int port() {
    return port;
  }

  /** GET on this node's HTTP API. */
  HttpResponse<String> get(String pathAndQuery) throws IOException, InterruptedException {
    return http.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + pathAndQuery))
            .timeout(Duration.ofSeconds(30))
            .GET()
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  /** POST of a JSON body on this node's HTTP API. */
  HttpResponse<String> post(String path, String json) throws IOException, InterruptedException {
    return http.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
            .timeout(Duration.ofSeconds(30))
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(json))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  String logText() {
    try {
      return Files.readString(log);
    } catch (IOException e) {
      return "";
    }
  }

  /**
   * The launcher's own classes (where the class-path file was found) followed by the jars it lists.
   */
  private static String classPath() throws IOException {
    URL url = SearchServer.class.getClassLoader().getResource(CLASSPATH_FILE);
    if (url == null) {
      throw new IOException(
          CLASSPATH_FILE
              + " is not on the test class path: build keel-opensearch-node first (mvn -pl"
              + " keel-logging-it -am test)");
    }
    Path root;
    String jars;
    try (InputStream in = url.openStream()) {
      jars = new String(in.readAllBytes(), StandardCharsets.UTF_8).strip();
    }
    try {
      if (url.getProtocol().equals("jar")) {
        String file = url.getPath(); // file:/…/keel-opensearch-node.jar!/opensearch-node.classpath
        root = Path.of(new URI(file.substring(0, file.indexOf("!/"))));
      } else {
        root = Path.of(url.toURI()).getParent();
      }
    } catch (URISyntaxException e) {
      throw new IOException("cannot locate " + url, e);
    }
    return String.join(java.io.File.pathSeparator, List.of(root.toString(), jars));
  }

  static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  @Override
  public void close() {
    process.destroy();
    try {
      if (!process.waitFor(30, TimeUnit.SECONDS)) {
        process.destroyForcibly();
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }
}
