package dev.keel.store;

import dev.keel.KeelException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * {@code keel db start | stop | status}: the shared embedded PostgreSQL of a KEEL_HOME as a local
 * service.
 */
public final class EmbeddedServers {
  private EmbeddedServers() {}

  /** What runs on a KEEL_HOME. {@code port} and {@code pid} are 0 when no server runs. */
  public record State(
      Path home,
      boolean running,
      int port,
      long pid,
      Path dataDirectory,
      int majorVersion,
      List<Long> users,
      boolean service) {
    public String jdbcUrl() {
      return SharedServer.jdbcUrl(port);
    }
  }

  /**
   * Starts (or adopts) the server and keeps it up after this process exits, until {@link #stop}.
   */
  public static State start(Path home, Duration lockWait) {
    try (EmbeddedPostgresServer use = EmbeddedPostgresServer.start(home, lockWait)) {
      // Taken while this process still counts as a user, so the server never stops in between.
      try (HomeLock lock = HomeLock.acquire(home, lockWait)) {
        new ServerUsers(home).holdService();
      } catch (IOException e) {
        throw failed(home, e);
      }
    }
    return status(home, lockWait);
  }

  /**
   * Drops the hold of {@code keel db start}; stops the server now when no keel process uses it,
   * else the last one out stops it. Returns the state after.
   */
  public static State stop(Path home, Duration lockWait) {
    if (!Files.isDirectory(home)) {
      return status(home, lockWait);
    }
    try (HomeLock lock = HomeLock.acquire(home, lockWait)) {
      ServerUsers users = new ServerUsers(home);
      users.releaseService();
      if (users.live().isEmpty()) {
        new SharedServer(home).stop("keel db stop");
      }
    } catch (IOException e) {
      throw failed(home, e);
    }
    return status(home, lockWait);
  }

  public static State status(Path home, Duration lockWait) {
    Path data = home.resolve("pgdata");
    if (!Files.isDirectory(home)) {
      return new State(home, false, 0, 0, data, SharedServer.MAJOR_VERSION, List.of(), false);
    }
    try (HomeLock lock = HomeLock.acquire(home, lockWait)) {
      ServerUsers users = new ServerUsers(home);
      List<Long> live = users.live();
      Optional<PostmasterPid> pm = new SharedServer(home).running();
      return new State(
          home,
          pm.isPresent(),
          pm.map(PostmasterPid::port).orElse(0),
          pm.map(PostmasterPid::pid).orElse(0L),
          data,
          SharedServer.MAJOR_VERSION,
          live,
          users.serviceHeld());
    } catch (IOException e) {
      throw failed(home, e);
    }
  }

  private static KeelException failed(Path home, IOException e) {
    return new KeelException("cannot read or change KEEL_HOME " + home + ": " + e.getMessage(), e);
  }
}
