package dev.keel.store;

import dev.keel.KeelException;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The embedded PostgreSQL under {@code KEEL_HOME}: real PostgreSQL binaries from Maven, a data
 * folder that survives restarts, and durable settings (zonky's defaults turn fsync and synchronous
 * commit off, which could lose acknowledged commits in a crash; keel turns them back on).
 *
 * <p>Only one keel process may use a KEEL_HOME at a time: an exclusive file lock on {@code
 * KEEL_HOME/keel.lock} is taken first; a second process waits for it up to a limit, then refuses
 * with a message naming the holder. A PostgreSQL left running by a process that was killed (its
 * lock is gone with it) is stopped before the new one starts.
 */
public final class EmbeddedPostgresServer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(EmbeddedPostgresServer.class);
  public static final Duration DEFAULT_LOCK_WAIT = Duration.ofSeconds(30);

  private final Path home;
  private final FileChannel lockChannel;
  private final FileLock lock;
  private final EmbeddedPostgres postgres;

  private EmbeddedPostgresServer(Path home, FileChannel lockChannel, FileLock lock, EmbeddedPostgres postgres) {
    this.home = home;
    this.lockChannel = lockChannel;
    this.lock = lock;
    this.postgres = postgres;
  }

  public static EmbeddedPostgresServer start(Path home, Duration lockWait) {
    try {
      Files.createDirectories(home);
      Path lockFile = home.resolve("keel.lock");
      FileChannel channel = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
      FileLock lock = acquire(channel, lockFile, lockWait);
      channel.truncate(0);
      channel.write(java.nio.ByteBuffer.wrap((ProcessHandle.current().pid() + "\n").getBytes(StandardCharsets.UTF_8)), 0);
      Path data = home.resolve("pgdata");
      stopOrphan(data);
      EmbeddedPostgres pg = EmbeddedPostgres.builder()
          .setDataDirectory(data)
          .setCleanDataDirectory(false)
          .setServerConfig("fsync", "on")
          .setServerConfig("synchronous_commit", "on")
          .setServerConfig("full_page_writes", "on")
          .setServerConfig("max_connections", "100")
          .setPGStartupWait(Duration.ofSeconds(60))
          .start();
      log.debug("embedded PostgreSQL started in {} on port {}", data, pg.getPort());
      return new EmbeddedPostgresServer(home, channel, lock, pg);
    } catch (IOException e) {
      throw new KeelException("cannot start the embedded PostgreSQL under " + home + ": " + e.getMessage()
          + "; check that the folder is writable, or pass --db URL to use another PostgreSQL", e);
    }
  }

  private static FileLock acquire(FileChannel channel, Path lockFile, Duration wait) throws IOException {
    Instant deadline = Instant.now().plus(wait);
    boolean told = false;
    while (true) {
      FileLock lock = channel.tryLock();
      if (lock != null) {
        return lock;
      }
      String holder = Files.readString(lockFile, StandardCharsets.UTF_8).strip();
      if (Instant.now().isAfter(deadline)) {
        throw new KeelException("KEEL_HOME " + lockFile.getParent() + " is in use by another keel process (pid "
            + holder + "); wait for it to finish, or set KEEL_HOME to another folder");
      }
      if (!told) {
        log.warn("KEEL_HOME {} is in use by another keel process (pid {}); waiting up to {}s", lockFile.getParent(), holder, wait.toSeconds());
        told = true;
      }
      try {
        Thread.sleep(200);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new KeelException("interrupted while waiting for KEEL_HOME " + lockFile.getParent());
      }
    }
  }

  /** Stops a postmaster left by a killed keel process; we hold the lock, so nobody else uses it. */
  private static void stopOrphan(Path data) throws IOException {
    Path pidFile = data.resolve("postmaster.pid");
    if (!Files.exists(pidFile)) {
      return;
    }
    List<String> lines = Files.readAllLines(pidFile, StandardCharsets.UTF_8);
    if (lines.isEmpty()) {
      return;
    }
    long pid = Long.parseLong(lines.get(0).trim());
    ProcessHandle.of(pid).filter(p -> p.info().command().map(c -> c.contains("postgres")).orElse(false)).ifPresent(p -> {
      log.warn("stopping PostgreSQL (pid {}) left running by a keel process that did not shut down", pid);
      p.destroy();
      try {
        p.onExit().get(60, java.util.concurrent.TimeUnit.SECONDS);
      } catch (Exception e) {
        p.destroyForcibly();
      }
    });
  }

  public String jdbcUrl() {
    return postgres.getJdbcUrl("postgres", "postgres");
  }

  public int port() {
    return postgres.getPort();
  }

  public Path home() {
    return home;
  }

  @Override
  public void close() {
    try {
      postgres.close();
    } catch (IOException e) {
      log.warn("embedded PostgreSQL did not stop cleanly: {}", e.getMessage());
    } finally {
      try {
        lock.release();
        lockChannel.close();
      } catch (IOException e) {
        log.debug("releasing {} failed", home, e);
      }
    }
  }
}
