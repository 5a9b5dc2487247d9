package dev.keel.cli;

import dev.keel.server.api.ApiException;
import dev.keel.server.api.PipelineControl;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(
    name = "pause",
    description =
        "Pause a pipeline: the cluster claims none of its queued tasks until it is resumed; running ones finish.")
final class PauseCommand implements Callable<Integer> {
  @Parameters(index = "0", paramLabel = "NAME")
  String name;

  @Mixin DbOptions db;

  @Spec picocli.CommandLine.Model.CommandSpec cmd;

  @Override
  public Integer call() {
    try (DbOptions.Opened opened = db.open(2)) {
      new PipelineControl(opened.store()).pause(name, "cli");
      cmd.commandLine().getOut().println(name + " paused");
      return ExitCodes.OK;
    } catch (ApiException e) {
      return Refusal.print(cmd, e);
    }
  }
}
