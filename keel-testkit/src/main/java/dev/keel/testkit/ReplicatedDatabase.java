package dev.keel.testkit;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

/**
 * A PostgreSQL primary and a streaming-replication standby, both started by the test with zonky's
 * embedded binaries, behind one multi-host URL ({@code targetServerType=primary}). The binaries
 * have no {@code pg_basebackup}, so the standby is a copy of the primary's cleanly stopped data
 * folder with {@code standby.signal} and {@code primary_conninfo}. {@link #killPrimary} is a crash
 * (SIGKILL of the postmaster and its children), {@link #promoteStandby} is {@code pg_promote()}:
 * keel never promotes a database itself, the test plays the operator (or Patroni).
 */
public final class ReplicatedDatabase implements AutoCloseable {
  /** Whether a commit on the primary waits for the standby to have it. */
  public enum Replication {
    SYNCHRONOUS,
    ASYNCHRONOUS
  }

  static final String STANDBY_NAME = "keel_standby";
  private static final Set<String> NOT_COPIED =
      Set.of("postmaster.pid", "postmaster.opts", "epg-lock");

  private final Path primaryDir;
  private final Path standbyDir;
  private final int primaryPort;
  private final int standbyPort;
  private EmbeddedPostgres primary;
  private EmbeddedPostgres standby;
  private boolean primaryKilled;

  private ReplicatedDatabase(Path primaryDir, Path standbyDir, int primaryPort, int standbyPort) {
    this.primaryDir = primaryDir;
    this.standbyDir = standbyDir;
    this.primaryPort = primaryPort;
    this.standbyPort = standbyPort;
  }

  /** A primary and a standby under {@code dir}, the standby streaming (and in sync, if asked). */
  public static ReplicatedDatabase start(Path dir, Replication replication) throws IOException {
    Path p = dir.resolve("primary");
    Path s = dir.resolve("standby");
    EmbeddedPostgres first = server(p).start();
    int primaryPort = first.getPort();
    first.close(); // a clean stop: the copy below is a consistent base backup
    copy(p, s);
    Files.writeString(s.resolve("standby.signal"), "");
    Files.writeString(
        s.resolve("postgresql.auto.conf"),
        "\nprimary_conninfo = 'host=127.0.0.1 port="
            + primaryPort
            + " user=postgres application_name="
            + STANDBY_NAME
            + "'\n",
        StandardOpenOption.APPEND);
    ReplicatedDatabase db = new ReplicatedDatabase(p, s, primaryPort, freePort());
    db.primary =
        server(p)
            // Closed by close() unless killed; a hook would try to stop a killed primary and fail.
            .setRegisterShutdownHook(false)
            .setPort(primaryPort)
            .setServerConfig(
                "synchronous_standby_names",
                replication == Replication.SYNCHRONOUS ? STANDBY_NAME : "")
            .start();
    db.standby = server(s).setPort(db.standbyPort).start();
    db.awaitStreaming(replication, Duration.ofSeconds(60));
    return db;
  }

  private static EmbeddedPostgres.Builder server(Path data) {
    return EmbeddedPostgres.builder()
        .setDataDirectory(data)
        .setCleanDataDirectory(false)
        .setServerConfig("max_connections", "300")
        .setServerConfig("wal_level", "replica")
        .setServerConfig("max_wal_senders", "5")
        .setServerConfig("wal_keep_size", "256MB")
        .setServerConfig("hot_standby", "on")
        // zonky turns it off; a synchronous standby only holds a commit back when it is on.
        .setServerConfig("synchronous_commit", "on")
        .setPGStartupWait(Duration.ofSeconds(60));
  }

  /**
   * Both servers, primary first: {@code jdbc:postgresql://127.0.0.1:P,127.0.0.1:S/postgres?
   * targetServerType=primary}. PgJDBC connects to whichever of them accepts writes.
   */
  public String url() {
    return "jdbc:postgresql://127.0.0.1:"
        + primaryPort
        + ",127.0.0.1:"
        + standbyPort
        + "/postgres?user=postgres&targetServerType=primary";
  }

  /** The primary alone. */
  public String primaryUrl() {
    return "jdbc:postgresql://127.0.0.1:" + primaryPort + "/postgres?user=postgres";
  }

  /** The standby alone (read-only until promoted). */
  public String standbyUrl() {
    return "jdbc:postgresql://127.0.0.1:" + standbyPort + "/postgres?user=postgres";
  }

  /**
   * A crash of the primary: SIGKILL to its postmaster, then to every backend it had (no shutdown
   * checkpoint, no goodbye to clients), waited for until all are gone.
   */
  public void killPrimary() throws IOException {
    long pid =
        Long.parseLong(Files.readAllLines(primaryDir.resolve("postmaster.pid")).get(0).trim());
    ProcessHandle postmaster =
        ProcessHandle.of(pid)
            .orElseThrow(
                () -> new IllegalStateException("the primary (pid " + pid + ") is not running"));
    List<ProcessHandle> backends = postmaster.descendants().toList();
    postmaster.destroyForcibly();
    backends.forEach(ProcessHandle::destroyForcibly);
    postmaster.onExit().join();
    backends.forEach(b -> b.onExit().join());
    primaryKilled = true;
  }

  /** {@code SELECT pg_promote()} on the standby: it becomes a primary and accepts writes. */
  public void promoteStandby() throws SQLException {
    try (Connection c = DriverManager.getConnection(standbyUrl());
        Statement st = c.createStatement();
        ResultSet rs = st.executeQuery("SELECT pg_promote(true, 60)")) {
      rs.next();
      if (!rs.getBoolean(1)) {
        throw new IllegalStateException("the standby did not finish its promotion within 60 s");
      }
    }
  }

  /**
   * Cuts the standby off the primary's WAL ({@code primary_conninfo} emptied and reloaded): it
   * keeps serving reads, and commits made on an asynchronous primary from now on never reach it, as
   * with a standby that lags when the primary crashes. (Pausing replay is not enough: a promotion
   * replays all the WAL already received.)
   */
  public void detachStandby() throws SQLException {
    try (Connection c = DriverManager.getConnection(standbyUrl());
        Statement st = c.createStatement()) {
      st.execute("ALTER SYSTEM SET primary_conninfo = ''");
      st.execute("SELECT pg_reload_conf()");
    }
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (true) {
      try (Connection c = DriverManager.getConnection(standbyUrl());
          Statement st = c.createStatement();
          ResultSet rs = st.executeQuery("SELECT count(*) FROM pg_stat_wal_receiver")) {
        rs.next();
        if (rs.getLong(1) == 0) {
          return;
        }
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("the standby's WAL receiver did not stop within 30 s");
      }
      try {
        Thread.sleep(100); // polling the server's own view
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
    }
  }

  /** Waits until the standby is connected to the primary (and synchronous, when asked). */
  private void awaitStreaming(Replication replication, Duration atMost) {
    long deadline = System.nanoTime() + atMost.toNanos();
    String wanted = replication == Replication.SYNCHRONOUS ? "sync" : "async";
    while (true) {
      try (Connection c = DriverManager.getConnection(primaryUrl());
          Statement st = c.createStatement();
          ResultSet rs =
              st.executeQuery(
                  "SELECT sync_state FROM pg_stat_replication WHERE state = 'streaming' AND application_name = '"
                      + STANDBY_NAME
                      + "'")) {
        if (rs.next() && wanted.equals(rs.getString(1))) {
          return;
        }
      } catch (SQLException e) {
        // the primary is still starting
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException(
            "the standby did not start streaming ("
                + wanted
                + ") within "
                + atMost.toSeconds()
                + " s");
      }
      try {
        Thread.sleep(100); // polling the server's own view, not synchronising with the test
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
    }
  }

  private static void copy(Path from, Path to) throws IOException {
    try (Stream<Path> all = Files.walk(from)) {
      for (Path f : all.toList()) {
        Path rel = from.relativize(f);
        if (rel.getNameCount() == 1 && NOT_COPIED.contains(rel.toString())) {
          continue;
        }
        // With its attributes: PostgreSQL refuses a data folder open to others (mode 0700 needed).
        Files.copy(f, to.resolve(rel.toString()), StandardCopyOption.COPY_ATTRIBUTES);
      }
    }
  }

  private static int freePort() {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public void close() throws IOException {
    try {
      standby.close();
    } finally {
      if (!primaryKilled) {
        primary.close();
      }
    }
  }
}
