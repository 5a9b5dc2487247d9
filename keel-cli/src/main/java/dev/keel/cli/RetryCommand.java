package dev.keel.cli;

import dev.keel.server.api.ApiException;
import dev.keel.server.api.PipelineControl;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(
    name = "retry",
    description =
        "Queue a failed task again (its id is in keel status) with more attempts; the cluster runs it.")
final class RetryCommand implements Callable<Integer> {
  @Parameters(index = "0", paramLabel = "TASK")
  long task;

  @Option(
      names = "--attempts",
      paramLabel = "N",
      description =
          "Attempts granted on top of those spent, 1 to "
              + PipelineControl.MAX_RETRY_ATTEMPTS
              + " (default ${DEFAULT-VALUE}).")
  int attempts = 1;

  @Mixin DbOptions db;

  @Spec picocli.CommandLine.Model.CommandSpec cmd;

  @Override
  public Integer call() {
    if (task < 1) {
      return Refusal.print(
          cmd, ApiException.badRequest("TASK must be a positive integer, not " + task));
    }
    try (DbOptions.Opened opened = db.open(2)) {
      PipelineControl.Retried r = new PipelineControl(opened.store()).retry(task, attempts, "cli");
      cmd.commandLine()
          .getOut()
          .printf(
              "task %d (%s/%s, run %d) queued again; at most %d attempts in all%n",
              task, r.pipeline(), r.partition(), r.runId(), r.maxAttempts());
      return ExitCodes.OK;
    } catch (ApiException e) {
      return Refusal.print(cmd, e);
    }
  }
}
