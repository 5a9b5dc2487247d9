package dev.keel.cli;

import dev.keel.engine.backup.BackupPlace;
import dev.keel.engine.backup.BackupRefused;
import dev.keel.engine.backup.ConfigBackup;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(
    name = "export",
    description =
        "Back up the configuration: every pipeline version as written, paused pipelines, API token hashes and roles, and a manifest of SHA-256s, to a new folder or s3://bucket/prefix.")
final class ExportCommand implements Callable<Integer> {
  @Parameters(index = "0", paramLabel = "DEST", description = "A folder or s3://bucket/prefix.")
  String destination;

  @Mixin DbOptions db;

  @Spec picocli.CommandLine.Model.CommandSpec cmd;

  @Override
  public Integer call() {
    BackupPlace place = BackupPlace.at(destination);
    try (DbOptions.Opened opened = db.open(2)) {
      ConfigBackup.Exported done = new ConfigBackup(opened.store()).export(place);
      cmd.commandLine()
          .getOut()
          .printf(
              "exported %d pipeline versions, %d paused pipelines, %d API tokens to %s%n",
              done.versions(), done.pauses(), done.tokens(), place.describe());
      return ExitCodes.OK;
    } catch (BackupRefused e) {
      throw new BadInputException(e.getMessage());
    }
  }
}
