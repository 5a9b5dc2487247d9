package dev.keel.chaos;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A real {@code keel node} process (a separate JVM on this machine's classpath), with its stdout
 * and stderr in a log file, and the signals a chaos test sends: SIGKILL, SIGSTOP, SIGCONT, SIGTERM.
 */
public final class NodeProcess implements AutoCloseable {
  private final String id;
  private final Process process;
  private final Path log;

  private NodeProcess(String id, Process process, Path log) {
    this.id = id;
    this.process = process;
    this.log = log;
  }

  public static NodeProcess start(String id, Path logDir, List<String> keelArgs)
      throws IOException {
    return start(id, logDir, keelArgs, Map.of());
  }

  /**
   * The same with extra environment variables: a database URL passed as {@code KEEL_DB} stays out
   * of the process list, where {@code --db} would show its password to every user of the machine.
   */
  public static NodeProcess start(
      String id, Path logDir, List<String> keelArgs, Map<String, String> env) throws IOException {
    Files.createDirectories(logDir);
    Path log = logDir.resolve(id + ".log");
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.add("-XX:+UseSerialGC");
    cmd.add("-Xmx256m");
    cmd.add("-cp");
    cmd.add(System.getProperty("java.class.path"));
    cmd.add("dev.keel.cli.Main");
    cmd.addAll(keelArgs);
    // Appended: a replacement started under a killed node's id keeps the dead one's last words.
    ProcessBuilder builder =
        new ProcessBuilder(cmd)
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
    builder.environment().putAll(env);
    Process p = builder.start();
    return new NodeProcess(id, p, log);
  }

  public String id() {
    return id;
  }

  public long pid() {
    return process.pid();
  }

  public boolean isAlive() {
    return process.isAlive();
  }

  public Path log() {
    return log;
  }

  public String logText() {
    try {
      return Files.readString(log, StandardCharsets.UTF_8);
    } catch (IOException e) {
      return "";
    }
  }

  /** kill -9: no shutdown hook, no drain, leases left to expire. */
  public void kill9() throws InterruptedException {
    process.destroyForcibly();
    process.waitFor(30, TimeUnit.SECONDS);
  }

  public void pause() throws IOException, InterruptedException {
    signal("STOP");
  }

  public void resume() throws IOException, InterruptedException {
    signal("CONT");
  }

  /** SIGTERM; returns the exit code once the node has drained (or -1 after the timeout). */
  public int terminate(long timeoutSeconds) throws InterruptedException {
    process.destroy();
    return process.waitFor(timeoutSeconds, TimeUnit.SECONDS) ? process.exitValue() : -1;
  }

  private void signal(String name) throws IOException, InterruptedException {
    Process kill =
        new ProcessBuilder("kill", "-" + name, Long.toString(process.pid())).inheritIO().start();
    if (kill.waitFor() != 0) {
      throw new IOException("kill -" + name + " " + process.pid() + " failed");
    }
  }

  @Override
  public void close() {
    if (process.isAlive()) {
      process.destroyForcibly();
    }
  }
}
