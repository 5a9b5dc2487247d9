package dev.keel.logging;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * Debian's {@code rsyslogd} (packages rsyslog and rsyslog-elasticsearch) running the shipped {@code
 * deploy/logging/rsyslog-keel.conf} in the foreground, as a process of the test's own (its own work
 * directory and pid file; the machine's syslog service is not involved). The shipped file is used
 * as users copy it: only its log file, server and port are substituted, each exactly where the file
 * has them, so a change to the file that the test cannot follow fails here rather than testing a
 * private copy.
 */
final class Rsyslog implements AutoCloseable {
  static final Path RSYSLOGD = Path.of("/usr/sbin/rsyslogd");
  static final Path SHIPPED =
      Path.of("..", "deploy", "logging", "rsyslog-keel.conf").toAbsolutePath().normalize();

  private final Process process;
  private final Path dir;

  private Rsyslog(Process process, Path dir) {
    this.process = process;
    this.dir = dir;
  }

  /** Whether rsyslogd and its omelasticsearch module are installed ({@code .ci/run} does it). */
  static boolean installed() {
    return Files.isExecutable(RSYSLOGD)
        && (Files.exists(Path.of("/usr/lib/x86_64-linux-gnu/rsyslog/omelasticsearch.so"))
            || Files.exists(Path.of("/usr/lib/aarch64-linux-gnu/rsyslog/omelasticsearch.so")));
  }

  /**
   * The shipped configuration with {@code logFile}, {@code server} and {@code port} put in the
   * places of {@code /var/log/keel/node.log}, {@code 127.0.0.1} and {@code 9200}, and the error
   * file under {@code dir}, preceded by this process's work directory.
   */
  static String config(Path dir, Path logFile, String server, int port) throws IOException {
    String shipped = Files.readString(SHIPPED);
    String conf =
        replaceOnce(shipped, "File=\"/var/log/keel/node.log\"", "File=\"" + logFile + "\"");
    conf = replaceOnce(conf, "server=\"127.0.0.1\"", "server=\"" + server + "\"");
    conf = replaceOnce(conf, "serverport=\"9200\"", "serverport=\"" + port + "\"");
    conf =
        replaceOnce(
            conf,
            "errorfile=\"/var/log/keel/omelasticsearch-errors.json\"",
            "errorfile=\"" + errors(dir) + "\"");
    return "global(workDirectory=\"" + dir.resolve("work") + "\")\n" + conf;
  }

  private static String replaceOnce(String text, String what, String with) {
    int at = text.indexOf(what);
    if (at < 0 || text.indexOf(what, at + 1) >= 0) {
      throw new IllegalStateException(
          SHIPPED + " no longer holds " + what + " exactly once: update Rsyslog.config");
    }
    return text.substring(0, at) + with + text.substring(at + what.length());
  }

  /** Validates the configuration ({@code rsyslogd -N1}), then runs rsyslogd in the foreground. */
  static Rsyslog start(Path dir, Path logFile, String server, int port)
      throws IOException, InterruptedException {
    Files.createDirectories(dir.resolve("work"));
    Path conf = dir.resolve("rsyslog.conf");
    Files.writeString(conf, config(dir, logFile, server, port));
    Path out = dir.resolve("rsyslogd.out");
    Process check =
        new ProcessBuilder(RSYSLOGD.toString(), "-N1", "-f", conf.toString())
            .redirectErrorStream(true)
            .redirectOutput(out.toFile())
            .start();
    if (!check.waitFor(60, TimeUnit.SECONDS) || check.exitValue() != 0) {
      check.destroyForcibly();
      throw new IOException(
          "rsyslogd -N1 refused " + SHIPPED + " (as " + conf + "):\n" + Files.readString(out));
    }
    Process p =
        new ProcessBuilder(
                RSYSLOGD.toString(),
                "-n",
                "-f",
                conf.toString(),
                "-i",
                dir.resolve("rsyslogd.pid").toString())
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(out.toFile()))
            .start();
    return new Rsyslog(p, dir);
  }

  static Path errors(Path dir) {
    return dir.resolve("omelasticsearch-errors.json");
  }

  boolean isAlive() {
    return process.isAlive();
  }

  /** rsyslogd's own output and omelasticsearch's error file, for a failure's message. */
  String diagnostics() {
    StringBuilder s = new StringBuilder();
    for (Path p : new Path[] {dir.resolve("rsyslogd.out"), errors(dir)}) {
      try {
        if (Files.exists(p)) {
          String text = Files.readString(p);
          if (text.length() > 6000) { // a rejected 9 KiB document repeats itself; the start tells
            text = text.substring(0, 6000) + "… (" + (text.length() - 6000) + " more characters)";
          }
          s.append("--- ").append(p).append('\n').append(text).append('\n');
        }
      } catch (IOException e) {
        s.append("--- ").append(p).append(": ").append(e).append('\n');
      }
    }
    return s.toString();
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
