package dev.keel.testkit;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real single-node Kafka broker in KRaft mode (broker and controller in one process), started as
 * a child JVM from {@code org.apache.kafka:kafka_2.13} on the test's class path: the module whose
 * tests use it declares that artifact (test scope). Its storage is formatted once ({@code
 * StorageTool format --standalone}); {@link #kill9()} and {@link #start()} restart it on the same
 * data and ports, for tests of a broker that goes away mid-run.
 */
public final class KafkaBroker implements AutoCloseable {
  private final Path dir;
  private final int port;
  private final int controllerPort;
  private Process process;

  private KafkaBroker(Path dir, int port, int controllerPort) {
    this.dir = dir;
    this.port = port;
    this.controllerPort = controllerPort;
  }

  private static KafkaBroker shared;

  /**
   * One broker for the whole test JVM (as {@link TestDatabase}), started at first use and killed
   * when the JVM exits: its start costs tens of seconds on a busy machine. Tests sharing it use
   * topics of their own. A test that stops or kills a broker starts its own with {@link #start}.
   */
  public static synchronized KafkaBroker shared() throws IOException, InterruptedException {
    if (shared == null) {
      Path dir = Files.createTempDirectory("keel-kafka-");
      shared = start(dir);
      KafkaBroker broker = shared;
      Runtime.getRuntime()
          .addShutdownHook(
              new Thread(
                  () -> {
                    if (broker.process != null) {
                      broker.process.destroyForcibly();
                    }
                  }));
    }
    return shared;
  }

  /** Formats a new broker's storage under {@code dir} and starts it; returns once it listens. */
  public static KafkaBroker start(Path dir) throws IOException, InterruptedException {
    KafkaBroker b = new KafkaBroker(dir, freePort(), freePort());
    b.format();
    b.start();
    return b;
  }

  /** host:port for {@code bootstrap.servers}. */
  public String bootstrap() {
    return "localhost:" + port;
  }

  public int port() {
    return port;
  }

  private Path properties() {
    return dir.resolve("server.properties");
  }

  private void format() throws IOException, InterruptedException {
    Files.createDirectories(dir);
    Files.writeString(
        properties(),
        String.join(
            "\n",
            "process.roles=broker,controller",
            "node.id=1",
            "controller.quorum.bootstrap.servers=localhost:" + controllerPort,
            "listeners=PLAINTEXT://localhost:" + port + ",CONTROLLER://localhost:" + controllerPort,
            "advertised.listeners=PLAINTEXT://localhost:" + port,
            "controller.listener.names=CONTROLLER",
            "listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
            "inter.broker.listener.name=PLAINTEXT",
            "log.dirs=" + dir.resolve("data"),
            "num.partitions=1",
            "auto.create.topics.enable=false",
            "offsets.topic.replication.factor=1",
            "transaction.state.log.replication.factor=1",
            "transaction.state.log.min.isr=1",
            "share.coordinator.state.topic.replication.factor=1",
            "share.coordinator.state.topic.min.isr=1",
            "group.initial.rebalance.delay.ms=0",
            "log.flush.interval.messages=1",
            ""));
    // url-safe base64 may start with '-', which the tool's argument parser takes for an option
    // (the failure "argument --cluster-id/-t: expected one argument"): draw again, as Kafka's own
    // Uuid.randomUuid() does
    byte[] id = new byte[16];
    String clusterId;
    do {
      new SecureRandom().nextBytes(id);
      clusterId = Base64.getUrlEncoder().withoutPadding().encodeToString(id);
    } while (clusterId.startsWith("-"));
    Process f =
        new ProcessBuilder(
                java(
                    "kafka.tools.StorageTool",
                    "format",
                    "-t",
                    clusterId,
                    "-c",
                    properties().toString(),
                    "--standalone"))
            .redirectErrorStream(true)
            .redirectOutput(dir.resolve("format.log").toFile())
            .start();
    if (!f.waitFor(120, TimeUnit.SECONDS) || f.exitValue() != 0) {
      f.destroyForcibly();
      throw new IOException(
          "formatting the Kafka storage failed: " + Files.readString(dir.resolve("format.log")));
    }
  }

  private static List<String> java(String main, String... args) {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.add("-XX:+UseSerialGC");
    cmd.add("-Xmx512m");
    cmd.add("-cp");
    cmd.add(System.getProperty("java.class.path"));
    cmd.add(main);
    cmd.addAll(List.of(args));
    return cmd;
  }

  /** Starts (or restarts) the broker on its data; returns once its port accepts connections. */
  public void start() throws IOException, InterruptedException {
    process =
        new ProcessBuilder(java("kafka.Kafka", properties().toString()))
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("broker.log").toFile()))
            .start();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new IOException(
            "the Kafka broker exited with "
                + process.exitValue()
                + "; see "
                + dir.resolve("broker.log"));
      }
      try (Socket s = new Socket()) {
        s.connect(new InetSocketAddress("localhost", port), 500);
        return;
      } catch (IOException notYet) {
        TimeUnit.MILLISECONDS.sleep(200); // polling a port that is not open yet
      }
    }
    throw new IOException("the Kafka broker did not listen within 120 s; see " + dir);
  }

  /** kill -9: no clean shutdown; {@link #start()} brings it back on the same data. */
  public void kill9() throws InterruptedException {
    if (process != null) {
      process.destroyForcibly();
      process.waitFor(30, TimeUnit.SECONDS);
    }
  }

  public Path log() {
    return dir.resolve("broker.log");
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  @Override
  public void close() throws InterruptedException {
    kill9();
  }
}
