package dev.keel.testkit;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A real S3-compatible server for tests: Adobe's S3Mock ({@code com.adobe.testing:s3mock:exec}, a
 * Spring Boot jar) as a child process on a free loopback port, one per test JVM, started on first
 * use (about 7 to 20 s) and stopped when the JVM exits. It accepts any credentials and only
 * path-style addressing. The test module declares the jar as a test dependency ({@code
 * <classifier>exec</classifier>}), so it is on the test class path, where this finds it.
 *
 * <p>Buckets and objects are written with plain HTTP (S3Mock does not check signatures), so the
 * testkit needs no AWS SDK; code under test uses the SDK through {@link #useInThisJvm()} (system
 * properties) or {@link #environment()} (a child process's AWS_* variables).
 */
public final class S3Server {
  public static final String ACCESS_KEY = "keel-test-access";
  public static final String SECRET_KEY = "keel-test-secret";
  public static final String REGION = "us-east-1";

  private static final Duration START_TIMEOUT = Duration.ofSeconds(180);
  private static S3Server shared;

  private final Process process;
  private final int port;
  private final Path log;
  private final HttpClient http = HttpClient.newHttpClient();

  private S3Server(Process process, int port, Path log) {
    this.process = process;
    this.port = port;
    this.log = log;
  }

  /** The JVM's server, started on first call. */
  public static synchronized S3Server shared() {
    if (shared == null || !shared.process.isAlive()) {
      try {
        shared = start();
      } catch (IOException e) {
        throw new IllegalStateException("cannot start S3Mock: " + e.getMessage(), e);
      }
    }
    return shared;
  }

  private static S3Server start() throws IOException {
    Path root = Files.createTempDirectory("keel-s3mock");
    Path log = root.resolveSibling(root.getFileName() + ".log");
    int port = freePort();
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.add("-XX:+UseSerialGC");
    cmd.add("-Xmx256m");
    cmd.add("-XX:TieredStopAtLevel=1");
    cmd.add("-jar");
    cmd.add(jar().toString());
    cmd.add("--http.port=" + port);
    cmd.add("--server.port=" + freePort()); // HTTPS, unused
    cmd.add("--com.adobe.testing.s3mock.store.root=" + root.resolve("data"));
    cmd.add("--com.adobe.testing.s3mock.max-payload-size=256MB");
    Process p =
        new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    S3Server server = new S3Server(p, port, log);
    Runtime.getRuntime().addShutdownHook(new Thread(p::destroyForcibly));
    server.awaitReady();
    return server;
  }

  private void awaitReady() throws IOException {
    Instant deadline = Instant.now().plus(START_TIMEOUT);
    while (Instant.now().isBefore(deadline)) {
      if (!process.isAlive()) {
        throw new IOException("S3Mock exited at start; see " + log + ":\n" + tail());
      }
      try {
        if (send(HttpRequest.newBuilder(uri("/")).GET()).statusCode() == 200) {
          return;
        }
      } catch (IOException notYet) {
        // still starting
      }
      try {
        Thread.sleep(250); // polling a child process's port: nothing to wait on but the socket
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException("interrupted while S3Mock started", e);
      }
    }
    process.destroyForcibly();
    throw new IOException("S3Mock did not answer within " + START_TIMEOUT + "; see " + log);
  }

  private String tail() throws IOException {
    String text = Files.readString(log, StandardCharsets.UTF_8);
    return text.substring(Math.max(0, text.length() - 4000));
  }

  /** The s3mock exec jar from the class path (or the local Maven repository). */
  static Path jar() {
    for (String entry : System.getProperty("java.class.path").split(java.io.File.pathSeparator)) {
      String name = Path.of(entry).getFileName().toString();
      if (name.startsWith("s3mock-") && name.endsWith("-exec.jar")) {
        return Path.of(entry);
      }
    }
    Path m2 =
        Path.of(
            System.getProperty(
                "maven.repo.local", System.getProperty("user.home") + "/.m2/repository"),
            "com/adobe/testing/s3mock/5.1.0/s3mock-5.1.0-exec.jar");
    if (Files.isRegularFile(m2)) {
      return m2;
    }
    throw new IllegalStateException(
        "the s3mock exec jar is not on the class path; declare com.adobe.testing:s3mock"
            + " (classifier exec) as a test dependency");
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  public int port() {
    return port;
  }

  /** {@code http://127.0.0.1:PORT}: what AWS_ENDPOINT_URL is set to. */
  public String endpoint() {
    return "http://127.0.0.1:" + port;
  }

  /** Points the AWS SDK in this JVM at this server (system properties the SDK reads). */
  public S3Server useInThisJvm() {
    return useInThisJvm(endpoint());
  }

  /** The same, through another endpoint (a {@link TcpProxy} in front of this server). */
  public S3Server useInThisJvm(String endpoint) {
    System.setProperty("aws.endpointUrl", endpoint);
    System.setProperty("aws.region", REGION);
    System.setProperty("aws.accessKeyId", ACCESS_KEY);
    System.setProperty("aws.secretAccessKey", SECRET_KEY);
    return this;
  }

  /** The AWS_* variables a child process (a keel command) needs to use this server. */
  public Map<String, String> environment() {
    return Map.of(
        "AWS_ENDPOINT_URL", endpoint(),
        "AWS_REGION", REGION,
        "AWS_ACCESS_KEY_ID", ACCESS_KEY,
        "AWS_SECRET_ACCESS_KEY", SECRET_KEY);
  }

  /** Creates {@code bucket}, or keeps it if this server has it already. */
  public void createBucket(String bucket) {
    try {
      HttpResponse<String> r =
          send(HttpRequest.newBuilder(uri("/" + bucket)).PUT(HttpRequest.BodyPublishers.noBody()));
      if (r.statusCode() / 100 != 2 && !r.body().contains("BucketAlreadyOwnedByYou")) {
        throw new IllegalStateException("S3Mock answered HTTP " + r.statusCode() + ": " + r.body());
      }
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  public void put(String bucket, String key, byte[] content) {
    expectOk(
        HttpRequest.newBuilder(uri("/" + bucket + "/" + key))
            .header("Content-Type", "application/octet-stream")
            .PUT(HttpRequest.BodyPublishers.ofByteArray(content)));
  }

  public void put(String bucket, String key, Path file) {
    try {
      expectOk(
          HttpRequest.newBuilder(uri("/" + bucket + "/" + key))
              .header("Content-Type", "application/octet-stream")
              .PUT(HttpRequest.BodyPublishers.ofFile(file)));
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The object's bytes, or null when there is none. */
  public byte[] get(String bucket, String key) {
    try {
      HttpResponse<byte[]> r =
          http.send(
              HttpRequest.newBuilder(uri("/" + bucket + "/" + key)).GET().build(),
              HttpResponse.BodyHandlers.ofByteArray());
      if (r.statusCode() == 404) {
        return null;
      }
      if (r.statusCode() != 200) {
        throw new IllegalStateException("GET " + key + ": HTTP " + r.statusCode());
      }
      return r.body();
    } catch (IOException e) {
      throw new IllegalStateException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** The keys under {@code prefix} (ListObjectsV2, first 1000). */
  public List<String> keys(String bucket, String prefix) {
    try {
      HttpResponse<String> r =
          http.send(
              HttpRequest.newBuilder(uri("/" + bucket + "?list-type=2&prefix=" + prefix))
                  .GET()
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      List<String> keys = new ArrayList<>();
      java.util.regex.Matcher m =
          java.util.regex.Pattern.compile("<Key>([^<]*)</Key>").matcher(r.body());
      while (m.find()) {
        keys.add(m.group(1));
      }
      return keys;
    } catch (IOException e) {
      throw new IllegalStateException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private URI uri(String path) {
    return URI.create(endpoint() + path);
  }

  private HttpResponse<String> send(HttpRequest.Builder req) throws IOException {
    try {
      return http.send(
          req.timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted", e);
    }
  }

  private void expectOk(HttpRequest.Builder req) {
    try {
      HttpResponse<String> r = send(req);
      if (r.statusCode() / 100 != 2) {
        throw new IllegalStateException("S3Mock answered HTTP " + r.statusCode() + ": " + r.body());
      }
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }
}
