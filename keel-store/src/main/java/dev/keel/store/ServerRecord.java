package dev.keel.store;

import java.io.IOException;
import java.io.Reader;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Optional;
import java.util.Properties;

/**
 * {@code KEEL_HOME/server.properties}: where the shared embedded PostgreSQL listens and which
 * postmaster it is (pid, start time, data folder, major version). Written by the process that
 * starts the server, deleted by the one that stops it. It is only a note: before any keel process
 * connects it must agree with PostgreSQL's own {@code postmaster.pid}, and the server must name the
 * same data folder and major version ({@link EmbeddedPostgresServer}).
 */
record ServerRecord(
    int port, long pid, long startEpochSeconds, Path dataDirectory, int majorVersion) {
  static final String FILE = "server.properties";

  static Optional<ServerRecord> read(Path home) {
    Properties p = new Properties();
    try (Reader r = Files.newBufferedReader(home.resolve(FILE), StandardCharsets.UTF_8)) {
      p.load(r);
      return Optional.of(
          new ServerRecord(
              Integer.parseInt(p.getProperty("port")),
              Long.parseLong(p.getProperty("pid")),
              Long.parseLong(p.getProperty("start")),
              Path.of(p.getProperty("data")),
              Integer.parseInt(p.getProperty("major"))));
    } catch (NoSuchFileException e) {
      return Optional.empty();
    } catch (IOException | RuntimeException e) {
      // Unreadable or edited: no record; the postmaster.pid check decides.
      return Optional.empty();
    }
  }

  static ServerRecord of(PostmasterPid pm, int majorVersion) {
    return new ServerRecord(
        pm.port(), pm.pid(), pm.startEpochSeconds(), pm.dataDirectory(), majorVersion);
  }

  boolean describes(PostmasterPid pm) {
    return pid == pm.pid() && port == pm.port() && startEpochSeconds == pm.startEpochSeconds();
  }

  void write(Path home) throws IOException {
    Properties p = new Properties();
    p.setProperty("port", Integer.toString(port));
    p.setProperty("pid", Long.toString(pid));
    p.setProperty("start", Long.toString(startEpochSeconds));
    p.setProperty("data", dataDirectory.toString());
    p.setProperty("major", Integer.toString(majorVersion));
    Path tmp = home.resolve(FILE + ".tmp");
    try (Writer w = Files.newBufferedWriter(tmp, StandardCharsets.UTF_8)) {
      p.store(w, "the embedded PostgreSQL of this KEEL_HOME (written by keel; see keel db status)");
    }
    Files.move(
        tmp,
        home.resolve(FILE),
        StandardCopyOption.REPLACE_EXISTING,
        StandardCopyOption.ATOMIC_MOVE);
  }

  static void delete(Path home) throws IOException {
    Files.deleteIfExists(home.resolve(FILE));
  }
}
