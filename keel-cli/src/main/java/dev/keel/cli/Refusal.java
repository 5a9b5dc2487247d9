package dev.keel.cli;

import dev.keel.server.api.ApiException;
import picocli.CommandLine.Model.CommandSpec;

/**
 * An action the rules refused (unknown pipeline or task, a task that has not failed, bad attempts):
 * nothing changed, exit 2.
 */
final class Refusal {
  private Refusal() {}

  static int print(CommandSpec cmd, ApiException e) {
    cmd.commandLine().getErr().println("keel " + cmd.name() + ": " + e.getMessage());
    return ExitCodes.BAD_INPUT;
  }
}
