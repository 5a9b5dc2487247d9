package dev.keel.cli;

import dev.keel.server.api.Role;
import dev.keel.server.api.Tokens;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "token", description = "API tokens.", subcommands = TokenCommand.Create.class)
final class TokenCommand {

  @Command(
      name = "create",
      description = "Create an API token and print it once; only its SHA-256 is stored.")
  static final class Create implements Callable<Integer> {
    @Option(
        names = "--role",
        required = true,
        paramLabel = "viewer|operator",
        description =
            "viewer: read the API; operator: also trigger, backfill, retry, pause and resume.")
    String role;

    @Option(names = "--note", paramLabel = "TEXT", description = "Who or what the token is for.")
    String note;

    @Mixin DbOptions db;

    @Spec picocli.CommandLine.Model.CommandSpec cmd;

    @Override
    public Integer call() {
      Role parsed;
      try {
        parsed = Role.parse(role);
      } catch (IllegalArgumentException e) {
        cmd.commandLine().getErr().println("keel: " + e.getMessage());
        return ExitCodes.BAD_INPUT;
      }
      try (DbOptions.Opened opened = db.open(2)) {
        String token = new Tokens(opened.store().db()).create(parsed, note);
        cmd.commandLine().getOut().println(token);
        cmd.commandLine()
            .getErr()
            .println(
                "keel: "
                    + parsed.label()
                    + " token created; it is not shown again."
                    + " Send it as 'Authorization: Bearer <token>'.");
        return ExitCodes.OK;
      }
    }
  }
}
