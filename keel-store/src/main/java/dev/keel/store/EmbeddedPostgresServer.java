package dev.keel.store;

import dev.keel.KeelException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One keel process's use of the embedded PostgreSQL under {@code KEEL_HOME}: real PostgreSQL
 * binaries from Maven, a data folder that survives restarts, and durable settings (zonky's defaults
 * turn fsync and synchronous commit off, which could lose acknowledged commits in a crash; keel
 * turns them back on).
 *
 * <p>Every keel process on a KEEL_HOME shares one server. {@link #start} adopts the server already
 * running on the folder's data (after checking it is that folder's server, in keel's major version)
 * or starts it, and registers this process in {@code users/}; {@link #close} unregisters it, and
 * the last user out stops the server unless {@code keel db start} holds it. Both decide under the
 * KEEL_HOME lock, so they never race. A user killed by SIGKILL cannot unregister: its file is
 * pruned when its pid is found dead, and the server it left running is adopted by the next process.
 */
public final class EmbeddedPostgresServer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(EmbeddedPostgresServer.class);

  /** How long a process waits for another to finish starting or stopping the server. */
  public static final Duration DEFAULT_LOCK_WAIT = Duration.ofSeconds(120);

  private final Path home;
  private final int port;
  private final long pid;
  private final String user;
  private final Duration lockWait;

  private EmbeddedPostgresServer(Path home, PostmasterPid pm, String user, Duration lockWait) {
    this.home = home;
    this.port = pm.port();
    this.pid = pm.pid();
    this.user = user;
    this.lockWait = lockWait;
  }

  /**
   * Adopts or starts the server of {@code home} and counts this process as one of its users.
   *
   * @throws EmbeddedServerRefused when the folder's server is not one keel may use (bad input)
   */
  public static EmbeddedPostgresServer start(Path home, Duration lockWait) {
    try {
      Files.createDirectories(home);
      try (HomeLock lock = HomeLock.acquire(home, lockWait)) {
        PostmasterPid pm = new SharedServer(home).ensureRunning();
        return new EmbeddedPostgresServer(home, pm, new ServerUsers(home).register(), lockWait);
      }
    } catch (IOException e) {
      throw new KeelException(
          "cannot start the embedded PostgreSQL under "
              + home
              + ": "
              + e.getMessage()
              + "; check that the folder is writable, or pass --db URL to use another PostgreSQL",
          e);
    }
  }

  public String jdbcUrl() {
    return SharedServer.jdbcUrl(port);
  }

  public int port() {
    return port;
  }

  /** The postmaster's pid. */
  public long pid() {
    return pid;
  }

  public Path home() {
    return home;
  }

  /**
   * This process stops using the server; the last user out stops it (unless {@code keel db start}
   * holds it).
   */
  @Override
  public void close() {
    try (HomeLock lock = HomeLock.acquire(home, lockWait)) {
      ServerUsers users = new ServerUsers(home);
      users.remove(user);
      if (users.live().isEmpty() && !users.serviceHeld()) {
        new SharedServer(home).stop("the last keel process using it has finished");
      }
    } catch (IOException | RuntimeException e) {
      // The server keeps running; the next keel process on this KEEL_HOME prunes our entry and
      // decides.
      log.warn("could not leave the embedded PostgreSQL of {} cleanly: {}", home, e.getMessage());
      try {
        new ServerUsers(home).remove(user);
      } catch (IOException ignored) {
        // pruned later, by pid
      }
    }
  }
}
