package dev.keel.cli;

import dev.keel.store.EmbeddedPostgresServer;
import dev.keel.store.EmbeddedServerRefused;
import dev.keel.store.EmbeddedServers;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Spec;

/**
 * {@code keel db start | stop | status}: the embedded PostgreSQL of KEEL_HOME as a local service.
 */
@Command(
    name = "db",
    description = "The embedded PostgreSQL under $KEEL_HOME, shared by every keel process on it.",
    subcommands = {DbCommand.Start.class, DbCommand.Stop.class, DbCommand.Status.class})
final class DbCommand {

  /** What a subcommand asks of the servers of KEEL_HOME. */
  @FunctionalInterface
  interface ServerAction {
    EmbeddedServers.State apply() throws EmbeddedServerRefused;
  }

  /** Runs {@code action}; a refusal (not that folder's server, a version mismatch) is exit 2. */
  static EmbeddedServers.State orBadInput(ServerAction action) {
    try {
      return action.apply();
    } catch (EmbeddedServerRefused e) {
      throw new BadInputException(e.getMessage());
    }
  }

  static String pids(EmbeddedServers.State s) {
    return s.users().stream()
        .distinct()
        .map(String::valueOf)
        .reduce((a, b) -> a + ", " + b)
        .orElse("");
  }

  static void print(PrintWriter out, EmbeddedServers.State s) {
    if (!s.running()) {
      out.printf("embedded PostgreSQL of %s: not running%n", s.home());
      return;
    }
    out.printf(
        "embedded PostgreSQL %d of %s: running on port %d (pid %d)%n",
        s.majorVersion(), s.home(), s.port(), s.pid());
    out.printf("  data     %s%n", s.dataDirectory());
    out.printf("  url      %s%n", s.jdbcUrl());
    out.printf(
        "  users    %s%n",
        s.users().isEmpty() ? "none" : s.users().size() + " (pids " + pids(s) + ")");
    out.printf(
        "  service  %s%n",
        s.service()
            ? "yes: stays up until keel db stop"
            : "no: stops when the last keel process ends");
  }

  @Command(
      name = "start",
      description =
          "Start the embedded PostgreSQL (or keep the running one) and keep it up until 'keel db stop'.")
  static final class Start implements Callable<Integer> {
    @Spec picocli.CommandLine.Model.CommandSpec cmd;

    @Override
    public Integer call() {
      print(
          cmd.commandLine().getOut(),
          orBadInput(
              () ->
                  EmbeddedServers.start(
                      DbOptions.home(), EmbeddedPostgresServer.DEFAULT_LOCK_WAIT)));
      return ExitCodes.OK;
    }
  }

  @Command(
      name = "stop",
      description =
          "Stop the embedded PostgreSQL now, or when the last keel process using it ends.")
  static final class Stop implements Callable<Integer> {
    @Spec picocli.CommandLine.Model.CommandSpec cmd;

    @Override
    public Integer call() {
      EmbeddedServers.State s =
          orBadInput(
              () ->
                  EmbeddedServers.stop(DbOptions.home(), EmbeddedPostgresServer.DEFAULT_LOCK_WAIT));
      PrintWriter out = cmd.commandLine().getOut();
      if (s.running()) {
        out.printf(
            "embedded PostgreSQL of %s (pid %d) is still used by %d keel process(es) (pids %s); it stops when the last one ends%n",
            s.home(), s.pid(), s.users().size(), pids(s));
      } else {
        out.printf("embedded PostgreSQL of %s: stopped%n", s.home());
      }
      return ExitCodes.OK;
    }
  }

  @Command(
      name = "status",
      description =
          "Whether the embedded PostgreSQL runs, where it listens, and which keel processes use it.")
  static final class Status implements Callable<Integer> {
    @Spec picocli.CommandLine.Model.CommandSpec cmd;

    @Override
    public Integer call() {
      print(
          cmd.commandLine().getOut(),
          orBadInput(
              () ->
                  EmbeddedServers.status(
                      DbOptions.home(), EmbeddedPostgresServer.DEFAULT_LOCK_WAIT)));
      return ExitCodes.OK;
    }
  }
}
