package dev.keel.store;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * PostgreSQL's own lock file, {@code DATA/postmaster.pid}: written by the postmaster while it runs
 * (line 1 pid, 2 data directory, 3 start time in epoch seconds, 4 port), so it is the truth about
 * which server owns a data folder; {@link ServerRecord} is only keel's note of it.
 */
record PostmasterPid(long pid, Path dataDirectory, long startEpochSeconds, int port) {

  /**
   * The file's content, or empty when there is none (no server, or a clean stop) or it is
   * half-written.
   */
  static Optional<PostmasterPid> read(Path data) {
    try {
      List<String> lines =
          Files.readAllLines(data.resolve("postmaster.pid"), StandardCharsets.UTF_8);
      if (lines.size() < 4) {
        return Optional.empty();
      }
      return Optional.of(
          new PostmasterPid(
              Long.parseLong(lines.get(0).trim()),
              Path.of(lines.get(1).trim()),
              Long.parseLong(lines.get(2).trim()),
              Integer.parseInt(lines.get(3).trim())));
    } catch (NoSuchFileException e) {
      return Optional.empty();
    } catch (IOException | NumberFormatException e) {
      return Optional.empty();
    }
  }

  /** The process, when one with this pid runs. */
  Optional<ProcessHandle> process() {
    return ProcessHandle.of(pid).filter(ProcessHandle::isAlive);
  }

  /**
   * Whether a live process may be a PostgreSQL. A process of another user shows no command: it is
   * counted as one, so keel refuses rather than guesses.
   */
  static boolean mayBePostgres(ProcessHandle p) {
    return p.info().command().map(c -> c.contains("postgres")).orElse(true);
  }
}
