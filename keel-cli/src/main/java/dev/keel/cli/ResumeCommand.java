package dev.keel.cli;

import dev.keel.server.api.ApiException;
import dev.keel.server.api.PipelineControl;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(
    name = "resume",
    description = "Resume a paused pipeline: its queued tasks are claimed again.")
final class ResumeCommand implements Callable<Integer> {
  @Parameters(index = "0", paramLabel = "NAME")
  String name;

  @Mixin DbOptions db;

  @Spec picocli.CommandLine.Model.CommandSpec cmd;

  @Override
  public Integer call() {
    try (DbOptions.Opened opened = db.open(2)) {
      new PipelineControl(opened.store()).resume(name, "cli");
      cmd.commandLine().getOut().println(name + " resumed");
      return ExitCodes.OK;
    } catch (ApiException e) {
      return Refusal.print(cmd, e);
    }
  }
}
