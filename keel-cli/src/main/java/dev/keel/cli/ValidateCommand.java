package dev.keel.cli;

import dev.keel.spec.PipelineSpec;
import dev.keel.spec.SinkSpec;
import dev.keel.spec.SpecReader;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(
    name = "validate",
    description = "Parse and check a pipeline file; print every problem with line and column.")
final class ValidateCommand implements Callable<Integer> {
  @Parameters(index = "0", paramLabel = "FILE.yaml")
  Path file;

  @Spec picocli.CommandLine.Model.CommandSpec cmd;

  @Override
  public Integer call() {
    PipelineSpec spec = new SpecReader().read(file);
    SinkSpec sink = spec.sink();
    cmd.commandLine()
        .getOut()
        .printf(
            "%s: ok — pipeline %s, %d columns, %d partitions, %s into %s%n",
            file,
            spec.name(),
            spec.columns().size(),
            spec.partitions().list().size(),
            sink.mode().name().toLowerCase(java.util.Locale.ROOT),
            sink.target());
    return ExitCodes.OK;
  }
}
