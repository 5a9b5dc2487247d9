package dev.keel.cli;

import dev.keel.KeelException;
import dev.keel.spec.JdbcUrls;
import dev.keel.spec.SpecException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code keel} command line. */
@Command(
    name = "keel",
    mixinStandardHelpOptions = true,
    version = "keel 0.1.0",
    description =
        "A high-availability ETL workflow engine: YAML pipelines into PostgreSQL, once or on a cluster.",
    subcommands = {
      RunCommand.class,
      ValidateCommand.class,
      NodeCommand.class,
      TriggerCommand.class,
      BackfillCommand.class,
      StatusCommand.class,
      SqlCommand.class,
      DeadLettersCommand.class,
      ReplayCommand.class,
      ServeCommand.class,
      TokenCommand.class,
      DbCommand.class,
      PauseCommand.class,
      ResumeCommand.class,
      RetryCommand.class,
      ExportCommand.class,
      ImportCommand.class,
      HistoryCommand.class,
      RollbackCommand.class,
      ChaosCommand.class
    })
public final class Main {

  public static void main(String[] args) {
    System.exit(execute(args));
  }

  public static int execute(String... args) {
    return execute(
        new java.io.PrintWriter(System.out, true), new java.io.PrintWriter(System.err, true), args);
  }

  /**
   * Runs one command with its output captured (tests, benchmarks). Everything the command prints
   * passes through {@link RedactingWriter}: a resolved secret is masked whichever message carries
   * it.
   */
  public static int execute(java.io.PrintWriter out, java.io.PrintWriter err, String... args) {
    CommandLine cli = new CommandLine(new Main());
    cli.setOut(RedactingWriter.around(out));
    cli.setErr(RedactingWriter.around(err));
    cli.setExecutionExceptionHandler(
        (e, cmd, parsed) -> {
          if (e instanceof SpecException spec) {
            cmd.getErr().println(spec.getMessage());
            return ExitCodes.BAD_INPUT;
          }
          if (e instanceof BadInputException bad) {
            cmd.getErr().println("keel: " + bad.getMessage());
            return ExitCodes.BAD_INPUT;
          }
          String message = e instanceof KeelException ? e.getMessage() : e.toString();
          cmd.getErr().println("keel: " + JdbcUrls.redact(message));
          return ExitCodes.FAILED;
        });
    cli.setParameterExceptionHandler(
        (e, args2) -> {
          e.getCommandLine().getErr().println("keel: " + e.getMessage());
          e.getCommandLine().usage(e.getCommandLine().getErr());
          return ExitCodes.BAD_INPUT;
        });
    int exit = cli.execute(args);
    cli.getOut().flush(); // RedactingWriter holds an unfinished line until a flush
    cli.getErr().flush();
    return exit;
  }
}
