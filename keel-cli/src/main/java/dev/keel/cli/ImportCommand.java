package dev.keel.cli;

import dev.keel.engine.backup.BackupPlace;
import dev.keel.engine.backup.BackupRefused;
import dev.keel.engine.backup.ConfigBackup;
import dev.keel.store.ConfigTables;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(
    name = "import",
    description =
        "Restore a configuration backup (keel export) into the metadata database: checks every file against the manifest first, then adds what is missing; importing twice changes nothing.")
final class ImportCommand implements Callable<Integer> {
  @Parameters(
      index = "0",
      paramLabel = "SRC",
      description = "The backup's folder or s3://bucket/prefix (the one holding manifest.json).")
  String source;

  @Mixin DbOptions db;

  @Spec picocli.CommandLine.Model.CommandSpec cmd;

  @Override
  public Integer call() {
    BackupPlace place = BackupPlace.at(source);
    try (DbOptions.Opened opened = db.open(2)) {
      ConfigTables.Restored done = new ConfigBackup(opened.store()).restore(place);
      cmd.commandLine()
          .getOut()
          .printf(
              "imported %d pipeline versions, %d paused pipelines, %d API tokens from %s"
                  + " (anything else was there already)%n",
              done.versions(), done.pauses(), done.tokens(), place.describe());
      return ExitCodes.OK;
    } catch (BackupRefused e) {
      throw new BadInputException(e.getMessage());
    }
  }
}
