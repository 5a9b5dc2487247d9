package dev.keel.cli.embedded;

import dev.keel.cli.Main;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Real {@code keel} processes on one KEEL_HOME (the embedded default: no --db, no KEEL_DB), each
 * with its own log.
 */
final class KeelHome {
  private static final AtomicInteger SEQUENCE = new AtomicInteger();

  final Path home;
  private final Path logs;

  KeelHome(Path home, Path logs) {
    this.home = home;
    this.logs = logs;
  }

  /** A started command; {@link Done#log} holds its stdout and stderr. */
  record Started(Process process, Path log) {
    String logText() {
      try {
        return Files.readString(log, StandardCharsets.UTF_8);
      } catch (IOException e) {
        return "";
      }
    }

    Done await(long seconds) throws InterruptedException {
      if (!process.waitFor(seconds, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        throw new AssertionError("keel did not finish within " + seconds + " s:\n" + logText());
      }
      return new Done(process.exitValue(), logText());
    }
  }

  record Done(int exit, String log) {}

  Started start(String... args) throws IOException {
    Files.createDirectories(logs);
    Path log = logs.resolve(SEQUENCE.incrementAndGet() + "-" + args[0] + ".log");
    List<String> cmd =
        new ArrayList<>(
            List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:+UseSerialGC",
                "-XX:TieredStopAtLevel=1",
                "-Xmx256m",
                "-cp",
                System.getProperty("java.class.path"),
                Main.class.getName()));
    cmd.addAll(List.of(args));
    ProcessBuilder pb =
        new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
    pb.environment().put("KEEL_HOME", home.toString());
    pb.environment().put("KEEL_LOG_FORMAT", "text");
    pb.environment().remove("KEEL_DB");
    return new Started(pb.start(), log);
  }

  /** Runs a command to its end (generous bound: two cores shared by the whole suite). */
  Done run(String... args) throws IOException, InterruptedException {
    return start(args).await(120);
  }

  /** The postmaster of this home's data folder, from PostgreSQL's own lock file. */
  Optional<Long> postmaster() {
    try {
      return Optional.of(
          Long.parseLong(Files.readAllLines(home.resolve("pgdata/postmaster.pid")).get(0).trim()));
    } catch (IOException | RuntimeException e) {
      return Optional.empty();
    }
  }

  static boolean alive(long pid) {
    return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
  }
}
