package dev.keel.store;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

/**
 * Who uses the shared embedded PostgreSQL: {@code KEEL_HOME/users/PID-N}, one file per open handle
 * (a JVM may open several), holding the process's start time, plus {@code users/service} while
 * {@code keel db start} keeps the server up. A file whose process is gone (killed with SIGKILL, so
 * it could not remove its file) or whose pid now belongs to another process (a different start
 * time) is pruned. Read and changed only under the KEEL_HOME lock, so a count of zero is final
 * until the lock is released.
 */
final class ServerUsers {
  private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(ServerUsers.class);
  static final String SERVICE = "service";
  private static final AtomicLong SEQUENCE = new AtomicLong();

  private final Path dir;

  ServerUsers(Path home) {
    this.dir = home.resolve("users");
  }

  /** Adds this process as a user; returns the name to {@link #remove}. */
  String register() throws IOException {
    Files.createDirectories(dir);
    String name = ProcessHandle.current().pid() + "-" + SEQUENCE.incrementAndGet();
    Files.writeString(
        dir.resolve(name),
        Long.toString(startMillis(ProcessHandle.current()).orElse(0L)),
        StandardCharsets.UTF_8);
    return name;
  }

  void remove(String name) throws IOException {
    Files.deleteIfExists(dir.resolve(name));
  }

  void holdService() throws IOException {
    Files.createDirectories(dir);
    Files.writeString(
        dir.resolve(SERVICE),
        "kept up by keel db start until keel db stop\n",
        StandardCharsets.UTF_8);
  }

  /** Drops the service hold; true when there was one. */
  boolean releaseService() throws IOException {
    return Files.deleteIfExists(dir.resolve(SERVICE));
  }

  boolean serviceHeld() {
    return Files.exists(dir.resolve(SERVICE));
  }

  /** The pids of the live users (one per handle), after deleting the files of dead ones. */
  List<Long> live() throws IOException {
    List<Long> pids = new ArrayList<>();
    List<Path> files;
    try (Stream<Path> s = Files.list(dir)) {
      files = s.toList();
    } catch (NoSuchFileException e) {
      return pids;
    }
    for (Path f : files) {
      String name = f.getFileName().toString();
      if (name.equals(SERVICE)) {
        continue;
      }
      Long pid = alivePid(f, name);
      if (pid == null) {
        log.warn(
            "keel process {} ended without leaving the embedded PostgreSQL (killed?); it is no longer counted as a user",
            name.substring(0, Math.max(0, name.indexOf('-'))));
        Files.deleteIfExists(f);
      } else {
        pids.add(pid);
      }
    }
    return pids;
  }

  private static Long alivePid(Path file, String name) {
    try {
      long pid = Long.parseLong(name.substring(0, name.indexOf('-')));
      long recorded = Long.parseLong(Files.readString(file, StandardCharsets.UTF_8).trim());
      Optional<ProcessHandle> p = ProcessHandle.of(pid).filter(ProcessHandle::isAlive);
      // The same pid with another start time is a new process that reused it: the user is gone.
      boolean same =
          p.isPresent()
              && startMillis(p.get())
                  .map(s -> recorded == 0 || Math.abs(s - recorded) < 2_000)
                  .orElse(true);
      return same ? pid : null;
    } catch (IOException | RuntimeException e) {
      return null; // a half-written or foreign file: no user
    }
  }

  private static Optional<Long> startMillis(ProcessHandle p) {
    return p.info().startInstant().map(Instant::toEpochMilli);
  }
}
